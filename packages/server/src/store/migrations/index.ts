import type { Migration } from "kysely";
import * as init from "./0001-init.ts";
import * as dashboard from "./0002-dashboard.ts";

/** Every migration, in order. Names are permanent once shipped. */
export const MIGRATIONS: Record<string, Migration> = {
	"0001-init": init,
	"0002-dashboard": dashboard,
};
