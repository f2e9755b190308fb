// A project's create, read, update, list and delete through the published client's services,
// from this page's origin to the mock's (another port: cross-origin, so CORS decides).
// ?base=<mock URL>&user=<user id>&credentials=include|omit. Every step's answer (or the
// client's ApiError) goes to window.crud and, as JSON, into #result.
'use strict';

const { AiMentorService, ApiError, OpenAPI } = window.IblaiApi;
const params = new URLSearchParams(window.location.search);

OpenAPI.BASE = params.get('base');
// The document's scheme is `Authorization: Api-Key <key>`; OpenAPI.TOKEN would send `Bearer`.
OpenAPI.HEADERS = { Authorization: 'Api-Key demo' };
OpenAPI.WITH_CREDENTIALS = params.get('credentials') === 'include';
// A cookie of this host: the browser sends it to the mock (same host, other port) only when
// the client asks for credentials, so the mock's journal shows which way the run went.
document.cookie = 'ibl_mock_probe=1; path=/';

const who = { org: 'main', userId: params.get('user') };
const steps = {};
let failed = null;

async function step(name, run) {
  if (failed) return undefined;
  try {
    const answer = await run();
    steps[name] = answer === undefined ? null : answer;
    return answer;
  } catch (error) {
    failed = name;
    steps[name] = error instanceof ApiError
      ? { error: 'ApiError', status: error.status, body: error.body }
      : { error: error?.name ?? 'Error', message: String(error?.message ?? error) };
    return undefined;
  }
}

async function expectNotFound(name, run) {
  if (failed) return;
  try {
    steps[name] = { unexpected: await run() };
    failed = name;
  } catch (error) {
    steps[name] = error instanceof ApiError
      ? { error: 'ApiError', status: error.status, body: error.body }
      : { error: error?.name ?? 'Error', message: String(error?.message ?? error) };
    if (!(error instanceof ApiError && error.status === 404)) failed = name;
  }
}

async function main() {
  const created = await step('create', () => AiMentorService.aiMentorOrgsUsersProjectsCreate({
    ...who,
    requestBody: { name: 'Browser project', description: 'Made in chromium', shared: false },
  }));
  const id = created?.id;
  await step('read', () => AiMentorService.aiMentorOrgsUsersProjectsRetrieve({ ...who, id }));
  await step('update', () => AiMentorService.aiMentorOrgsUsersProjectsUpdate({
    ...who,
    id,
    requestBody: { name: 'Browser project, renamed', description: 'Renamed', shared: true },
  }));
  await step('list', () => AiMentorService.aiMentorOrgsUsersProjectsList({ ...who, limit: 100 }));
  await step('delete', () => AiMentorService.aiMentorOrgsUsersProjectsDestroy({ ...who, id }));
  await expectNotFound('readDeleted', () =>
    AiMentorService.aiMentorOrgsUsersProjectsRetrieve({ ...who, id }));
}

main().finally(() => {
  window.crud = { origin: window.location.origin, failed, steps };
  document.getElementById('result').textContent = JSON.stringify(window.crud, null, 2);
  document.body.dataset.done = 'true';
});
