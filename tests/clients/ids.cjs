// Run by Node.js with @duckdb/node-api (`make clients` installs it in .clients/node-api), not the project:
//   NODE_PATH=.clients/node-api/node_modules node ids.cjs SERVING_COPY
// Opens the serving copy read-only, finds in the catalog every column named id or *_id of every
// view, and prints one JSON object: the DuckDB version, and for each "view.column" the column's
// values (ordered, nulls first) as node-api's JSON gives them and as JavaScript Numbers.
const { DuckDBInstance } = require("@duckdb/node-api");

const COLUMNS = `
  SELECT c.table_name AS view, c.column_name AS name
  FROM duckdb_columns() AS c JOIN duckdb_views() AS v
    ON v.view_name = c.table_name AND v.schema_name = c.schema_name AND v.database_name = c.database_name
  WHERE NOT v.internal AND v.schema_name = current_schema()
    AND (c.column_name = 'id' OR c.column_name LIKE '%\\_id' ESCAPE '\\')
  ORDER BY 1, 2`;

const quoted = (name) => `"${name.replaceAll('"', '""')}"`;

async function main() {
  const [path] = process.argv.slice(2);
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  const version = (await connection.runAndReadAll("SELECT version() AS v")).getRowObjects()[0].v;
  const columns = (await connection.runAndReadAll(COLUMNS)).getRowObjectsJson();
  const ids = {};
  for (const { view, name } of columns) {
    const sql = `SELECT ${quoted(name)} AS id FROM ${quoted(view)} ORDER BY 1 NULLS FIRST`;
    const json = (await connection.runAndReadAll(sql)).getColumnsJson()[0] ?? [];
    ids[`${view}.${name}`] = {
      json,
      numbers: json.map((value) => (value === null ? null : Number(value))),
    };
  }
  console.log(JSON.stringify({ version, ids }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
