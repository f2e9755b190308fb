// A create/read/update/list session through the published TypeScript client, unchanged.
// Usage: node session.mjs <base-url> [org] [user-id]
// Prints one JSON object: every step's answer (or the client's ApiError), for the test to check.
import { AiMentorService, ApiError, OpenAPI } from '@iblai/iblai-api';

const [baseUrl, org = 'main', userId = 'ts-session-user'] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node session.mjs <base-url> [org] [user-id]');
  process.exit(2);
}

OpenAPI.BASE = baseUrl.replace(/\/+$/, '');
// The document's scheme: `Authorization: Api-Key <key>`. OpenAPI.TOKEN would send `Bearer <key>`.
OpenAPI.HEADERS = { Authorization: 'Api-Key test-key' };

const DISCLAIMER = 987653;
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
    steps[name] =
      error instanceof ApiError
        ? { error: 'ApiError', status: error.status, url: error.url, body: error.body }
        : { error: error?.name ?? 'Error', message: String(error?.message ?? error) };
    return undefined;
  }
}

const who = { org, userId };

await step('instructionCreate', () =>
  AiMentorService.aiMentorOrgsUsersCustomInstructionCreate({
    ...who,
    requestBody: {
      about_user: 'I build web frontends.',
      mentor_tone: 'Direct',
      profession: 'Frontend engineer',
      desired_mentor_traits: 'direct,practical',
    },
  }),
);
await step('instructionRead', () => AiMentorService.aiMentorOrgsUsersCustomInstructionRetrieve(who));
await step('instructionUpdate', () =>
  AiMentorService.aiMentorOrgsUsersCustomInstructionUpdate({
    ...who,
    requestBody: { about_user: 'I build web frontends and design systems.', profession: 'Staff engineer' },
  }),
);
await step('instructionReadAgain', () =>
  AiMentorService.aiMentorOrgsUsersCustomInstructionRetrieve(who),
);

const created = await step('agreementCreate', () =>
  AiMentorService.aiMentorOrgsUsersDisclaimerAgreementsCreate({
    ...who,
    requestBody: { disclaimer: DISCLAIMER },
  }),
);
await step('agreementList', () =>
  AiMentorService.aiMentorOrgsUsersDisclaimerAgreementsList({ ...who, pageSize: 100 }),
);
await step('agreementFiltered', () =>
  AiMentorService.aiMentorOrgsUsersDisclaimerAgreementsList({ ...who, disclaimer: DISCLAIMER }),
);
await step('agreementRead', () =>
  AiMentorService.aiMentorOrgsUsersDisclaimerAgreementsRetrieve({ ...who, id: created.id }),
);

console.log(JSON.stringify({ org, userId, disclaimer: DISCLAIMER, failed, steps }, null, 2));
process.exit(failed ? 1 : 0);
