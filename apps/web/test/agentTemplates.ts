/** Templates of agent steps that the follow-up tests (server, crash, command line) run with the fake Claude CLI. */

/** One agent step, which a test holds open (FAKE_AGENT_HOLD_FILE) to queue follow-ups for. */
export const LONG_ASK_TEMPLATE = `name: Ask long
phases: [work]
steps:
  - id: ask
    phase: work
    agent: claude
    prompt: Say hello.
`;

/** An agent step, then a manual gate: what a request for changes sends back. */
export const RELEASE_NOTES_TEMPLATE = `name: Release notes
phases:
  - draft
  - id: review
    gate: manual
steps:
  - id: write
    phase: draft
    agent: claude
    prompt: Write the release notes.
  - id: publish
    phase: review
    command: 'true'
`;
