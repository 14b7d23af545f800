// The GraphQL-over-HTTP audit (graphql-http's serverAudits) against a running server. Fails
// unless every MUST and every SHOULD passes; MAY audits are printed, not required.
// Usage: node graphql-http-audit.mjs http://127.0.0.1:PORT/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-http-audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

const tally = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
const failures = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  tally[level][1] += 1;
  if (result.status === 'ok') {
    tally[level][0] += 1;
  } else if (level !== 'MAY') {
    failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
  }
}
for (const [level, [passed, total]] of Object.entries(tally)) {
  console.log(`graphql-http audit: ${level} ${passed}/${total}`);
}
for (const failure of failures) {
  console.log(`graphql-http audit FAILED: ${failure}`);
}
process.exit(failures.length === 0 ? 0 : 1);
