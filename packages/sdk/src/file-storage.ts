import { importModule } from "./import-module.ts";
import type { SessionStorage } from "./session-storage.ts";

/** The slice of `node:fs/promises` this file uses, typed here so the SDK needs no Node types. */
interface FileSystem {
	mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
	readFile(path: string, encoding: "utf8"): Promise<string>;
	writeFile(path: string, data: string, options: { mode: number; flag: "wx" }): Promise<void>;
	rename(from: string, to: string): Promise<void>;
	rm(path: string, options: { force: true }): Promise<void>;
}

async function loadFileSystem(): Promise<FileSystem> {
	return (await importModule("node:fs/promises")) as FileSystem;
}

/** `~/.latchkey-chat-sdk`, the default directory in Node. */
async function getDefaultDirectory(): Promise<string> {
	const os = (await importModule("node:os")) as { homedir(): string };
	return `${os.homedir()}/.latchkey-chat-sdk`;
}

function isMissingFile(error: unknown): boolean {
	return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}

function getFileName(appId: string): string {
	return `${appId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`;
}

function generateTempSuffix(): string {
	const bytes = new Uint8Array(6);
	crypto.getRandomValues(bytes);
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A store for Node: one JSON file per app (`<directory>/<appId>.json`), mode 0600 in a 0700 directory, because
 * it holds a live auth token. Writes go to a temp file that is then renamed over the old one, so a crash
 * never leaves half a session behind. Without `directory`, `~/.latchkey-chat-sdk` is used.
 *
 * @example
 * const storage = createFileStorage("/home/me/.config/my-app/chat");
 */
export function createFileStorage(directory?: string): SessionStorage {
	let resolved: Promise<string> | null = null;
	const getDirectory = (): Promise<string> => {
		resolved ??= directory === undefined ? getDefaultDirectory() : Promise.resolve(directory);
		return resolved;
	};
	const pathOf = async (appId: string): Promise<string> =>
		`${(await getDirectory()).replace(/[\\/]+$/, "")}/${getFileName(appId)}`;
	return {
		async read(appId) {
			const fs = await loadFileSystem();
			try {
				return await fs.readFile(await pathOf(appId), "utf8");
			} catch (error) {
				if (isMissingFile(error)) return null;
				throw error;
			}
		},
		async write(appId, value) {
			const fs = await loadFileSystem();
			await fs.mkdir(await getDirectory(), { recursive: true, mode: 0o700 });
			const target = await pathOf(appId);
			const temp = `${target}.${generateTempSuffix()}.tmp`;
			try {
				await fs.writeFile(temp, value, { mode: 0o600, flag: "wx" });
				await fs.rename(temp, target);
			} catch (error) {
				await fs.rm(temp, { force: true });
				throw error;
			}
		},
		async delete(appId) {
			const fs = await loadFileSystem();
			await fs.rm(await pathOf(appId), { force: true });
		},
	};
}
