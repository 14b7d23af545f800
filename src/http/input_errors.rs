//! Names the input behind an input-coercion error. async-graphql reports a value that its
//! scalar refused ("Failed to parse …") at the value's position in the query, without saying
//! which argument it was; clients show errors beside the field they came from, so the
//! argument's name goes into `extensions.field`, as for the service's own BAD_USER_INPUT.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Pos, Positioned};

/// The argument whose value starts at `at` in `query`, if any.
pub fn argument_at(query: &str, at: Pos) -> Option<String> {
    let document: ExecutableDocument = async_graphql::parser::parse_query(query).ok()?;
    let in_operations = document
        .operations
        .iter()
        .find_map(|(_, op)| argument_in(&op.node.selection_set, at));
    in_operations.or_else(|| {
        document
            .fragments
            .values()
            .find_map(|f| argument_in(&f.node.selection_set, at))
    })
}

fn argument_in(set: &Positioned<SelectionSet>, at: Pos) -> Option<String> {
    set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => field
            .node
            .arguments
            .iter()
            .find(|(_, value)| value.pos == at)
            .map(|(name, _)| name.node.to_string())
            .or_else(|| argument_in(&field.node.selection_set, at)),
        Selection::InlineFragment(fragment) => argument_in(&fragment.node.selection_set, at),
        Selection::FragmentSpread(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::argument_at;
    use async_graphql::Pos;

    #[test]
    fn finds_the_argument_at_a_position() {
        let query = "{ a(x: 1, asOf: \"2025-13-01\") { b(y: 2) } }";
        assert_eq!(
            argument_at(
                query,
                Pos {
                    line: 1,
                    column: 17
                }
            ),
            Some("asOf".into())
        );
        assert_eq!(
            argument_at(
                query,
                Pos {
                    line: 1,
                    column: 38
                }
            ),
            Some("y".into())
        );
        assert_eq!(argument_at(query, Pos { line: 1, column: 3 }), None);
        let fragment = "query { ...F } fragment F on Q { a(when: \"x\") }";
        assert_eq!(
            argument_at(
                fragment,
                Pos {
                    line: 1,
                    column: 42
                }
            ),
            Some("when".into())
        );
        assert_eq!(argument_at("{ broken", Pos { line: 1, column: 1 }), None);
    }
}
