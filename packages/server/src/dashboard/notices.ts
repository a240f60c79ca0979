/**
 * One-line confirmations shown after a redirect (`?notice=<code>`). A fixed table, so a crafted link can
 * only ever show one of these sentences.
 */
const NOTICES: Readonly<Record<string, string>> = {
	welcome: "Your operator account is ready. You are signed in.",
	"signed-out": "You have signed out.",
	expired: "Your session ended. Sign in again to continue.",
	"user-created": "The user was created.",
	"user-updated": "The user was saved.",
	"user-deactivated": "The user was deactivated: their tokens stop working and the uid stays taken.",
	"user-deleted": "The user and all their tokens were deleted permanently.",
	"token-minted": "The auth token was minted.",
	"user-reactivated": "The user was reactivated: they can log in again, and their kept tokens work again.",
	"token-revoked": "The auth token was revoked. Clients using it are signed out.",
	"tokens-flushed": "All auth tokens of this user were revoked.",
	"key-created": "The API key was created.",
	"key-deleted": "The API key was deleted. Requests using it are refused from now on.",
	"security-saved": "The security settings were saved. They apply at once, to existing tokens too.",
};

export function noticeFor(code: string | undefined): string | null {
	return code ? (NOTICES[code] ?? null) : null;
}
