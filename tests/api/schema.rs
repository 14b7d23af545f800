//! `schema.graphql` is the sorted SDL of the live schema.

#[test]
fn schema_file_is_current() {
    let live = cleanprod::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let stored = std::fs::read_to_string(path).expect("schema.graphql exists");
    assert!(
        stored == live,
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}
