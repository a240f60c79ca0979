import type { Migration } from "kysely";
import * as init from "./0001-init.ts";

/** Every migration, in order. Names are permanent once shipped. */
export const MIGRATIONS: Record<string, Migration> = {
	"0001-init": init,
};
