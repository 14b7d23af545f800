//! Limits checked on the parsed document before anything executes: aliases (an alias bomb
//! asks for one expensive field many times) and root fields. Depth and complexity are
//! enforced by the schema itself.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};

/// The operation a request would run, if the document names one unambiguously.
pub fn selected_operation<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// Counts aliased fields in a selection set, expanding fragment spreads; stops counting
/// once `stop_at` is passed, and never follows a fragment cycle.
fn count_aliases(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    stop_at: usize,
    visiting: &mut Vec<String>,
) -> usize {
    let mut count = 0;
    for item in &set.items {
        if count > stop_at {
            break;
        }
        count += match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(
                        doc,
                        &field.node.selection_set.node,
                        stop_at - count,
                        visiting,
                    )
            }
            Selection::InlineFragment(fragment) => count_aliases(
                doc,
                &fragment.node.selection_set.node,
                stop_at - count,
                visiting,
            ),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match doc.fragments.get(spread.node.fragment_name.node.as_str()) {
                    Some(fragment) if !visiting.contains(&name) => {
                        visiting.push(name);
                        let n = count_aliases(
                            doc,
                            &fragment.node.selection_set.node,
                            stop_at - count,
                            visiting,
                        );
                        visiting.pop();
                        n
                    }
                    _ => 0,
                }
            }
        };
    }
    count
}

/// Root fields of an operation, counting those inside root-level fragments.
fn count_root_fields(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    visiting: &mut Vec<String>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => {
                count_root_fields(doc, &f.node.selection_set.node, visiting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match doc.fragments.get(spread.node.fragment_name.node.as_str()) {
                    Some(fragment) if !visiting.contains(&name) => {
                        visiting.push(name);
                        let n = count_root_fields(doc, &fragment.node.selection_set.node, visiting);
                        visiting.pop();
                        n
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

#[derive(Debug, PartialEq, Eq)]
pub enum LimitExceeded {
    Aliases { limit: usize },
    RootFields { limit: usize },
}

impl LimitExceeded {
    pub fn message(&self) -> String {
        match self {
            LimitExceeded::Aliases { limit } => {
                format!("the query uses more than {limit} aliases")
            }
            LimitExceeded::RootFields { limit } => {
                format!("the operation asks for more than {limit} root fields")
            }
        }
    }
}

pub fn check(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    max_aliases: usize,
    max_root_fields: usize,
) -> Result<(), LimitExceeded> {
    let Some(op) = selected_operation(doc, operation_name) else {
        return Ok(());
    };
    let set = &op.selection_set.node;
    if count_aliases(doc, set, max_aliases, &mut Vec::new()) > max_aliases {
        return Err(LimitExceeded::Aliases { limit: max_aliases });
    }
    if count_root_fields(doc, set, &mut Vec::new()) > max_root_fields {
        return Err(LimitExceeded::RootFields {
            limit: max_root_fields,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn run(q: &str) -> Result<(), LimitExceeded> {
        check(&parse_query(q).expect("parses"), None, 3, 4)
    }

    #[test]
    fn counts_aliases_through_fragments() {
        assert!(run("{ a: cities { code } b: cities { code } c: cities { code } }").is_ok());
        assert_eq!(
            run("{ a: cities { x: code } b: cities { code } c: cities { code } }"),
            Err(LimitExceeded::Aliases { limit: 3 })
        );
        assert_eq!(
            run("{ ...F ...F } fragment F on Query { a: cities { code } b: cities { code } }"),
            Err(LimitExceeded::Aliases { limit: 3 })
        );
        // A cyclic fragment (invalid anyway) does not loop here.
        assert!(run("{ ...F } fragment F on Query { ...F }").is_ok());
    }

    #[test]
    fn counts_root_fields() {
        assert!(run("{ cities { code } sectors { label } me { id } industries { code } }").is_ok());
        assert_eq!(
            run(
                "{ cities { code } sectors { label } me { id } industries { code } ... on Query { cities { name } } }"
            ),
            Err(LimitExceeded::RootFields { limit: 4 })
        );
    }
}
