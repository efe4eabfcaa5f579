// Run by Node.js with @duckdb/node-api (`make clients` installs it in .clients/node-api), not the project:
//   NODE_PATH=.clients/node-api/node_modules node search.cjs SERVING_COPY QUERY...
// Opens the serving copy read-only and prints one JSON object: the DuckDB version, and for each
// query the ids (as text: a JavaScript number cannot hold them) of search_papers' first 10 rows.
const { DuckDBInstance } = require("@duckdb/node-api");

async function main() {
  const [path, ...queries] = process.argv.slice(2);
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  const version = (await connection.runAndReadAll("SELECT version() AS v")).getRowObjects()[0].v;
  const results = {};
  for (const query of queries) {
    const prepared = await connection.prepare(
      "SELECT paper_id::VARCHAR AS id FROM search_papers($1) LIMIT 10",
    );
    prepared.bindVarchar(1, query);
    results[query] = (await prepared.runAndReadAll()).getRowObjects().map((row) => row.id);
  }
  console.log(JSON.stringify({ version, results }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
