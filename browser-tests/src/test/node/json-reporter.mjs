// A `node --test` reporter for NodeSqliteTest: one JSON line per test, {name, ok, skip, error}.
export default async function* jsonLines(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, skip, details } = event.data;
    if (details?.type === 'suite') continue;
    const error = details?.error;
    const cause = error?.cause ?? error;
    yield `${JSON.stringify({
      name, ok: event.type === 'test:pass', skip: skip === undefined || skip === false ? null : String(skip),
      error: cause ? String(cause.stack ?? cause) : null,
    })}\n`;
  }
}
