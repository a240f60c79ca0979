/** How long a test waits for something the server should do at once, before it fails instead of hanging. */
export const WAIT_MS = 5_000;

/** Resolves as `promise` does, or rejects once `ms` have passed (a bound on a wait, not a sleep). */
export function within<T>(promise: Promise<T>, label: string, ms = WAIT_MS): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}
