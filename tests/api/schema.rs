//! `schema.graphql` is the live schema: the file is the sorted SDL export, and what a client
//! generator reads from the file is what it reads from introspection (types, fields,
//! arguments, defaults, descriptions, deprecations, `@specifiedBy`, the schema's description).

use std::collections::BTreeMap;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use serde_json::Value;

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");

#[test]
fn schema_file_is_current() {
    let live = cleanprod::graphql::sdl();
    let stored = std::fs::read_to_string(SCHEMA_FILE).expect("schema.graphql exists");
    assert!(
        stored == live,
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[tokio::test]
async fn schema_file_says_what_introspection_says() {
    let stored = std::fs::read_to_string(SCHEMA_FILE).expect("schema.graphql exists");
    let from_file = shape_of_file(&stored);

    let schema = cleanprod::graphql::build_schema(None);
    let response = schema.execute(INTROSPECTION).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let introspected = response.data.into_json().expect("introspection is JSON");
    let from_introspection = shape_of_introspection(&introspected["__schema"]);

    assert_eq!(
        from_file.description, from_introspection.description,
        "schema description"
    );
    let names: Vec<&String> = from_introspection.types.keys().collect();
    assert_eq!(
        from_file.types.keys().collect::<Vec<_>>(),
        names,
        "the same named types"
    );
    for (name, shape) in &from_introspection.types {
        assert_eq!(from_file.types.get(name), Some(shape), "type {name}");
    }
    // A guard against comparing two empty shapes.
    assert!(from_introspection.types.len() > 100);
    assert!(
        from_introspection.types["DateTime"]
            .specified_by
            .as_deref()
            .is_some_and(|url| url.contains("rfc3339"))
    );
}

/// What a client generator takes from a schema, in a form both sources give alike.
#[derive(Debug, Default)]
struct SchemaShape {
    description: Option<String>,
    types: BTreeMap<String, TypeShape>,
}

#[derive(Debug, Default, PartialEq)]
struct TypeShape {
    kind: &'static str,
    description: Option<String>,
    specified_by: Option<String>,
    interfaces: Vec<String>,
    members: Vec<String>,
    fields: BTreeMap<String, FieldShape>,
    inputs: BTreeMap<String, InputShape>,
    values: BTreeMap<String, Member>,
}

#[derive(Debug, Default, PartialEq)]
struct FieldShape {
    ty: String,
    description: Option<String>,
    deprecation: Option<String>,
    args: BTreeMap<String, InputShape>,
}

#[derive(Debug, Default, PartialEq)]
struct InputShape {
    ty: String,
    description: Option<String>,
    default: Option<String>,
}

#[derive(Debug, Default, PartialEq)]
struct Member {
    description: Option<String>,
    deprecation: Option<String>,
}

fn shape_of_file(sdl: &str) -> SchemaShape {
    // async-graphql's parser predates descriptions on `schema`: take it off first.
    let marker = "\n\"\"\"\n";
    let schema_at = sdl.rfind("\nschema {\n").expect("a schema definition");
    let (body, description) = match sdl[..schema_at].rfind(marker) {
        Some(open) if sdl[..schema_at].ends_with("\"\"\"") => {
            let text = &sdl[open + marker.len()..schema_at - "\n\"\"\"".len()];
            (
                format!("{}{}", &sdl[..open], &sdl[schema_at..]),
                Some(text.to_owned()),
            )
        }
        _ => (sdl.to_owned(), None),
    };
    let document = parse_schema(&body).expect("schema.graphql parses");
    let mut shape = SchemaShape {
        description,
        types: BTreeMap::new(),
    };
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let mut out = TypeShape {
            description: ty.description.map(|d| d.node),
            specified_by: ty
                .directives
                .iter()
                .find(|d| d.node.name.node == "specifiedBy")
                .and_then(|d| d.node.get_argument("url"))
                .map(|url| match &url.node {
                    async_graphql::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
            ..TypeShape::default()
        };
        match ty.kind {
            TypeKind::Scalar => out.kind = "SCALAR",
            TypeKind::Object(object) => {
                out.kind = "OBJECT";
                out.interfaces = sorted(object.implements.iter().map(|i| i.node.to_string()));
                out.fields = file_fields(object.fields);
            }
            TypeKind::Interface(interface) => {
                out.kind = "INTERFACE";
                out.interfaces = sorted(interface.implements.iter().map(|i| i.node.to_string()));
                out.fields = file_fields(interface.fields);
            }
            TypeKind::Union(union) => {
                out.kind = "UNION";
                out.members = sorted(union.members.iter().map(|m| m.node.to_string()));
            }
            TypeKind::Enum(enumeration) => {
                out.kind = "ENUM";
                for value in enumeration.values {
                    let value = value.node;
                    out.values.insert(
                        value.value.node.to_string(),
                        Member {
                            description: value.description.map(|d| d.node),
                            deprecation: deprecation_of(&value.directives),
                        },
                    );
                }
            }
            TypeKind::InputObject(input) => {
                out.kind = "INPUT_OBJECT";
                out.inputs = file_inputs(input.fields.into_iter().map(|f| f.node));
            }
        }
        shape.types.insert(ty.name.node.to_string(), out);
    }
    shape
}

fn file_fields(
    fields: Vec<async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>>,
) -> BTreeMap<String, FieldShape> {
    fields
        .into_iter()
        .map(|f| {
            let f = f.node;
            (
                f.name.node.to_string(),
                FieldShape {
                    ty: type_text(&f.ty.node),
                    description: f.description.map(|d| d.node),
                    deprecation: deprecation_of(&f.directives),
                    args: file_inputs(f.arguments.into_iter().map(|a| a.node)),
                },
            )
        })
        .collect()
}

fn file_inputs(inputs: impl Iterator<Item = InputValueDefinition>) -> BTreeMap<String, InputShape> {
    inputs
        .map(|i| {
            (
                i.name.node.to_string(),
                InputShape {
                    ty: type_text(&i.ty.node),
                    description: i.description.map(|d| d.node),
                    default: i.default_value.map(|d| d.node.to_string()),
                },
            )
        })
        .collect()
}

fn deprecation_of(
    directives: &[async_graphql::Positioned<async_graphql::parser::types::ConstDirective>],
) -> Option<String> {
    let found = directives
        .iter()
        .find(|d| d.node.name.node == "deprecated")?;
    Some(match found.node.get_argument("reason") {
        Some(reason) => match &reason.node {
            async_graphql::Value::String(s) => s.clone(),
            other => other.to_string(),
        },
        None => "No longer supported".to_owned(),
    })
}

fn type_text(ty: &Type) -> String {
    let base = match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => format!("[{}]", type_text(inner)),
    };
    if ty.nullable {
        base
    } else {
        format!("{base}!")
    }
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items
}

fn shape_of_introspection(schema: &Value) -> SchemaShape {
    let mut shape = SchemaShape {
        description: text(&schema["description"]),
        types: BTreeMap::new(),
    };
    for ty in schema["types"].as_array().expect("types") {
        let name = ty["name"].as_str().expect("a named type");
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        let kind = match ty["kind"].as_str() {
            Some("SCALAR") => "SCALAR",
            Some("OBJECT") => "OBJECT",
            Some("INTERFACE") => "INTERFACE",
            Some("UNION") => "UNION",
            Some("ENUM") => "ENUM",
            Some("INPUT_OBJECT") => "INPUT_OBJECT",
            other => panic!("unexpected kind {other:?} of {name}"),
        };
        let names_of = |list: &Value| -> Vec<String> {
            sorted(
                list.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t["name"].as_str().map(str::to_owned)),
            )
        };
        let out = TypeShape {
            kind,
            description: text(&ty["description"]),
            specified_by: text(&ty["specifiedByURL"]),
            interfaces: names_of(&ty["interfaces"]),
            members: names_of(&ty["possibleTypes"])
                .into_iter()
                .filter(|_| kind == "UNION")
                .collect(),
            fields: ty["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or_default().to_owned(),
                        FieldShape {
                            ty: introspected_type(&f["type"]),
                            description: text(&f["description"]),
                            deprecation: f["isDeprecated"]
                                .as_bool()
                                .unwrap_or(false)
                                .then(|| text(&f["deprecationReason"]).unwrap_or_default()),
                            args: introspected_inputs(&f["args"]),
                        },
                    )
                })
                .collect(),
            inputs: introspected_inputs(&ty["inputFields"]),
            values: ty["enumValues"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| {
                    (
                        v["name"].as_str().unwrap_or_default().to_owned(),
                        Member {
                            description: text(&v["description"]),
                            deprecation: v["isDeprecated"]
                                .as_bool()
                                .unwrap_or(false)
                                .then(|| text(&v["deprecationReason"]).unwrap_or_default()),
                        },
                    )
                })
                .collect(),
        };
        shape.types.insert(name.to_owned(), out);
    }
    shape
}

fn introspected_inputs(list: &Value) -> BTreeMap<String, InputShape> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["name"].as_str().unwrap_or_default().to_owned(),
                InputShape {
                    ty: introspected_type(&i["type"]),
                    description: text(&i["description"]),
                    default: text(&i["defaultValue"]),
                },
            )
        })
        .collect()
}

fn introspected_type(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", introspected_type(&ty["ofType"])),
        Some("LIST") => format!("[{}]", introspected_type(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

const BUILT_IN_SCALARS: &[&str] = &["Boolean", "Float", "ID", "Int", "String"];

const INTROSPECTION: &str = r#"
query {
  __schema {
    description
    types {
      kind name description specifiedByURL
      fields(includeDeprecated: true) {
        name description isDeprecated deprecationReason
        args { name description defaultValue type { ...TypeRef } }
        type { ...TypeRef }
      }
      inputFields { name description defaultValue type { ...TypeRef } }
      interfaces { name }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { name }
    }
  }
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
}
"#;
