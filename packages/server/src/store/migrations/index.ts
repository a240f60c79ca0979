import type { Migration } from "kysely";
import * as init from "./0001-init.ts";
import * as dashboard from "./0002-dashboard.ts";
import * as signInCounters from "./0003-sign-in-counters.ts";
import * as rateLimits from "./0004-rate-limits.ts";
import * as presence from "./0005-presence.ts";
import * as appSecurity from "./0006-app-security.ts";
import * as authTokenIp from "./0007-auth-token-ip.ts";
import * as apiKeyExpiry from "./0008-api-key-expiry.ts";
import * as tokenCiphertext from "./0009-token-ciphertext.ts";
import * as auditLog from "./0010-audit-log.ts";
import * as webhooks from "./0011-webhooks.ts";
import * as identityProviders from "./0012-identity-providers.ts";
import * as dashboardLifecycle from "./0013-dashboard-lifecycle.ts";
import * as operatorInvites from "./0014-operator-invites.ts";

/** Every migration, in order. Names are permanent once shipped. */
export const MIGRATIONS: Record<string, Migration> = {
	"0001-init": init,
	"0002-dashboard": dashboard,
	"0003-sign-in-counters": signInCounters,
	"0004-rate-limits": rateLimits,
	"0005-presence": presence,
	"0006-app-security": appSecurity,
	"0007-auth-token-ip": authTokenIp,
	"0008-api-key-expiry": apiKeyExpiry,
	"0009-token-ciphertext": tokenCiphertext,
	"0010-audit-log": auditLog,
	"0011-webhooks": webhooks,
	"0012-identity-providers": identityProviders,
	"0013-dashboard-lifecycle": dashboardLifecycle,
	"0014-operator-invites": operatorInvites,
};
