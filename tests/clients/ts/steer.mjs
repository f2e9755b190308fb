// Steering seen through the published TypeScript client, unchanged.
// Usage: node steer.mjs <base-url> <user-id>
// A `Prefer: code=404` must reach the client as its ApiError with DRF's body; an override
// installed for one user must be what the client's list call returns.
import { AiMentorService, ApiError, OpenAPI } from '@iblai/iblai-api';

const [baseUrl, userId] = process.argv.slice(2);
OpenAPI.BASE = baseUrl.replace(/\/+$/, '');
const who = { org: 'main', userId };
const result = {};

OpenAPI.HEADERS = { Authorization: 'Api-Key test-key', Prefer: 'code=404' };
try {
  result.steered = await AiMentorService.aiMentorOrgsUsersCustomInstructionRetrieve(who);
} catch (error) {
  result.steered =
    error instanceof ApiError
      ? { error: 'ApiError', status: error.status, body: error.body }
      : { error: String(error) };
}

const installed = await fetch(`${OpenAPI.BASE}/__mock__/overrides`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    operation: 'ai_mentor_orgs_users_projects_list',
    match: { path: { user_id: userId } },
    patch: { count: 0, results: [] },
    times: 1,
  }),
});
result.override = { status: installed.status, body: await installed.json() };

OpenAPI.HEADERS = { Authorization: 'Api-Key test-key' };
result.overridden = await AiMentorService.aiMentorOrgsUsersProjectsList(who);
result.after = await AiMentorService.aiMentorOrgsUsersProjectsList(who);

console.log(JSON.stringify(result, null, 2));
