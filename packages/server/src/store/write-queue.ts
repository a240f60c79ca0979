import { type Kysely, sql, type Transaction } from "kysely";
import type { Tables } from "./tables.ts";

/** One write waiting for its batch: what to run, and how to answer its caller. */
interface QueuedWrite {
	work: (trx: Transaction<Tables>) => Promise<unknown>;
	resolve: (value: unknown) => void;
	reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * A batch holds the connection from BEGIN to COMMIT, and every read waits behind it. A login's write takes about
 * 0.1 ms of CPU, so 64 of them hold it some 6 ms; their one fsync (0.3–2 ms measured) is shared well enough that a
 * bigger batch measured no faster.
 */
const MAX_WRITES_PER_BATCH = 64;

// Taken at load: a test that fakes timers must not stall every write of the store it uses.
const scheduleBatch = setImmediate;

/**
 * Group commit for SQLite. An fsync (0.3–2 ms) costs as much as a dozen logins' statements, so the writes that
 * arrive within one tick of the event loop share one transaction and one fsync. Each write runs inside its own SAVEPOINT,
 * so a failing write rolls back alone and rejects alone. No write's promise settles before the COMMIT that holds
 * it has returned (with synchronous=FULL: is on disk).
 *
 * Reads never see a batch's uncommitted rows: Kysely's SQLite driver lends its one connection to one user at a
 * time, and a transaction keeps it from BEGIN to COMMIT, so a read queues behind the batch and runs after it.
 */
export class WriteQueue {
	private readonly db: Kysely<Tables>;
	private readonly onCommit: ((writeCount: number) => void) | undefined;
	private queued: QueuedWrite[] = [];
	private scheduled = false;
	private running: Promise<void> | null = null;

	constructor(db: Kysely<Tables>, options: { onCommit?: (writeCount: number) => void } = {}) {
		this.db = db;
		this.onCommit = options.onCommit;
	}

	/** Runs `work` in the next batch; settles after that batch has committed (or failed). */
	run<T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			this.queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
			this.schedule();
		});
	}

	/** Resolves once every write queued so far has settled. */
	async drain(): Promise<void> {
		while (this.running || this.queued.length > 0) {
			if (this.running) await this.running;
			// A scheduled batch has not started yet; start it now rather than wait for its tick.
			else this.startBatch();
		}
	}

	private schedule(): void {
		if (this.scheduled || this.running) return;
		this.scheduled = true;
		// setImmediate runs after the current tick's promise jobs and I/O callbacks, so every write they queue joins.
		scheduleBatch(() => this.startBatch());
	}

	private startBatch(): void {
		this.scheduled = false;
		if (this.running || this.queued.length === 0) return;
		const batch = this.queued.splice(0, MAX_WRITES_PER_BATCH);
		this.running = this.runBatch(batch).finally(() => {
			this.running = null;
			if (this.queued.length > 0) this.schedule();
		});
	}

	private async runBatch(batch: QueuedWrite[]): Promise<void> {
		let outcomes: Outcome[];
		try {
			outcomes = await this.db.transaction().execute(async (trx) => {
				const results: Outcome[] = [];
				for (const write of batch) results.push(await runInSavepoint(trx, write.work));
				return results;
			});
		} catch (error) {
			// BEGIN, COMMIT or a ROLLBACK TO failed: nothing of this batch is stored, so every write fails.
			for (const write of batch) write.reject(error);
			return;
		}
		this.onCommit?.(batch.length);
		batch.forEach((write, i) => {
			const outcome = outcomes[i] as Outcome;
			if (outcome.ok) write.resolve(outcome.value);
			else write.reject(outcome.error);
		});
	}
}

async function runInSavepoint(trx: Transaction<Tables>, work: QueuedWrite["work"]): Promise<Outcome> {
	await sql`savepoint write`.execute(trx);
	try {
		const value = await work(trx);
		await sql`release write`.execute(trx);
		return { ok: true, value };
	} catch (error) {
		// If SQLite already ended the whole transaction (disk full, I/O error), this throws and fails the batch,
		// so no later write of it runs outside a transaction.
		await sql`rollback to write`.execute(trx);
		await sql`release write`.execute(trx);
		return { ok: false, error };
	}
}
