import type { Generated } from "kysely";

/** A bigint column: PostgreSQL answers it as a string, SQLite as a number (rows.ts converts). */
type Int = number | string;

export interface AppsTable {
	id: string;
	name: string;
	region: string;
	jwt_secret: string;
	created_at: Int;
	/** JSON array of ClientUserField; null for the default (migration 0005). */
	client_user_fields: string | null;
	/** JSON of the app's explicitly set security settings (domain/security.ts); null: all defaults. */
	security: string | null;
}

export interface ApiKeysTable {
	id: string;
	app_id: string;
	name: string;
	scope: string;
	secret_hash: string;
	created_by: string | null;
	created_at: Int;
	/** When the key stops working (migration 0008); null: never. Optional so older row mappers still type. */
	expires_at?: Int | null;
	/** The last recorded use (migration 0008), written behind. */
	last_used_at?: Int | null;
}

export interface UsersTable {
	app_id: string;
	uid: string;
	name: string;
	name_lower: string;
	avatar: string | null;
	link: string | null;
	role: string;
	status_message: string | null;
	metadata: string | null;
	tags: string;
	is_sample: number;
	created_at: Int;
	updated_at: Int | null;
	deactivated_at: Int | null;
	last_active_at: Int | null;
}

export interface AuthTokensTable {
	id: string;
	app_id: string;
	uid: string;
	secret_hash: string;
	platform: string | null;
	user_agent: string | null;
	device_id: string | null;
	app_info: string | null;
	created_at: Int;
	last_used_at: Int | null;
	/** The client address of the last recorded use (migration 0007); optional so older row mappers still type. */
	last_used_ip?: string | null;
	/** The token's plaintext, encrypted, for apps with retrievable storage (migration 0009); null otherwise. */
	token_ciphertext?: string | null;
}

// The dashboard's tables (issue 8, migration 0002).

export interface OperatorsTable {
	id: string;
	email: string;
	email_lower: string;
	password_hash: string;
	setup_claim: number | null;
	created_at: Int;
	/** The name an invited operator gave (migration 0014); optional so older row mappers still type. */
	name?: string | null;
}

export interface OperatorSessionsTable {
	id: string;
	operator_id: string;
	secret_hash: string;
	created_at: Int;
	last_seen_at: Int;
}

export interface SetupTokensTable {
	id: string;
	secret_hash: string;
	created_at: Int;
	expires_at: Int;
}

/** A one-time secret waiting for the page a redirect lands on (issue 17, migration 0013); sealed, never plain. */
export interface DashboardFlashesTable {
	id: string;
	session_id: string;
	sealed: string;
	created_at: Int;
	expires_at: Int;
}

/** A one-time invite to become an operator (issue 17, migration 0014). */
export interface OperatorInvitesTable {
	id: string;
	secret_hash: string;
	email: string;
	email_lower: string;
	invited_by: string;
	created_at: Int;
	expires_at: Int;
}

export interface SignInCountersTable {
	key: string;
	count: number;
	window_started_at: Int;
}

// Presence (issue 14, migration 0005).

export interface PresenceNodesTable {
	node_id: string;
	heartbeat_at: Int;
}

export interface PresenceTable {
	app_id: string;
	uid: string;
	node_id: string;
	connected_at: Int;
}

// The audit log (issue 16, migration 0010): append-only.

export interface AuditLogTable {
	id: string;
	app_id: string;
	type: string;
	actor_kind: string;
	actor_id: string | null;
	subject: string | null;
	uid: string | null;
	ip: string | null;
	user_agent: string | null;
	/** JSON object. */
	details: string;
	created_at: Int;
}

// Identity providers (issue 18, migration 0012).

export interface IdentityProvidersTable {
	id: string;
	app_id: string;
	issuer: string;
	jwks_uri: string | null;
	/** The inline key set, JSON; null when the keys are fetched from jwks_uri. */
	jwks: string | null;
	/** JSON array of strings. */
	audiences: string;
	/** JSON array of JWS algorithm names. */
	algorithms: string;
	uid_claim: string;
	name_claim: string | null;
	avatar_claim: string | null;
	clock_skew_seconds: number;
	create_users: number;
	uid_prefix: string | null;
	uid_mapping: string;
	created_at: Int;
	updated_at: Int | null;
}

export interface IdentitySubjectsTable {
	provider_id: string;
	subject: string;
	app_id: string;
	uid: string;
	created_at: Int;
}

// Webhooks (issue 16, migration 0011).

export interface WebhooksTable {
	id: string;
	app_id: string;
	url: string;
	/** JSON array of event types, or ["*"]. */
	events: string;
	description: string | null;
	/** The signing secret: sealed (`v1.…`, domain/token-cipher.ts) when the server has an encryption key, else as is. */
	secret: string;
	created_at: Int;
	updated_at: Int | null;
}

/** The delivery outbox: one row per (event, webhook), written in the event's transaction. */
export interface WebhookDeliveriesTable {
	id: string;
	webhook_id: string;
	app_id: string;
	event_type: string;
	/** The event JSON, exactly the body that is POSTed and signed. */
	event: string;
	status: string;
	attempts: number;
	last_response_code: number | null;
	last_attempt_at: Int | null;
	next_attempt_at: Int | null;
	created_at: Int;
	locked_until: Int | null;
	locked_by: string | null;
}

/** Every table, as Kysely types the database. */
export interface Tables {
	apps: AppsTable;
	api_keys: ApiKeysTable;
	users: UsersTable;
	auth_tokens: AuthTokensTable;
	operators: OperatorsTable;
	operator_sessions: OperatorSessionsTable;
	setup_tokens: SetupTokensTable;
	operator_invites: OperatorInvitesTable;
	dashboard_flashes: DashboardFlashesTable;
	sign_in_counters: SignInCountersTable;
	presence_nodes: PresenceNodesTable;
	presence: PresenceTable;
	identity_providers: IdentityProvidersTable;
	identity_subjects: IdentitySubjectsTable;
	audit_log: AuditLogTable;
	webhooks: WebhooksTable;
	webhook_deliveries: WebhookDeliveriesTable;
	kysely_migration: { name: string; timestamp: Generated<string> };
}
