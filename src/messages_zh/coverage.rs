//! The catalogue against the source tree, read at test time: every message an error can
//! carry has its Chinese, every input field and NOT_FOUND entity its label — and every entry
//! is still used, so the catalogue does not rot.
//!
//! Read from `src/**/*.rs` (test modules left out) with a small Rust lexer:
//! - `AppError::bad_input(field, message)`, `::forbidden`/`Forbidden`, `::conflict`/`Conflict`,
//!   `::Unauthenticated` (the viewer guards in `src/auth` among them), `::not_found("Entity", …)`
//!   and `find_or_not_found::<E>(db, "Entity", id)`;
//!   a message is a string literal or the format string of `format!` (its `{…}` are the
//!   dynamic parts);
//! - `#[error("…")]` of the rules' error types, which services pass on with `e.to_string()`
//!   (not `src/config.rs`: start-up only; not `src/rules/draw_record.rs`: a stored list that
//!   does not decode is an INTERNAL error, never shown);
//! - `InputValueError::custom("…")` and `async_graphql::Error::new("…")`;
//! - in `src/http`: the messages of `error_response`, `plain_error`, `error_body`, `Err(…)`,
//!   `|_| …` and JSON `"message": …`, and the `format!`s of `limits.rs`.
//!
//! Field names come from `schema.graphql` (every input field and argument) and from the
//! `bad_input` calls.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{
    Chinese, MAX_DEPTH, any_label, best_match, catalogue, enum_label, enum_names, lookup,
    oversight, words,
};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(String),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Tokens of Rust source: identifiers, string literals (escapes resolved), punctuation
/// (`::` as one); comments, numbers, chars and lifetimes dropped.
fn lex(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if let Some((text, end)) = raw_string(&chars, i) {
            tokens.push(Token {
                tok: Tok::Str(text.clone()),
                line,
            });
            line += text.matches('\n').count();
            i = end;
        } else if c == '"' || (matches!(c, 'b' | 'c') && at(i + 1) == '"') {
            let start_line = line;
            i += if c == '"' { 1 } else { 2 };
            let mut text = String::new();
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    let escaped = at(i + 1);
                    i += 2;
                    match escaped {
                        'n' => text.push('\n'),
                        't' => text.push('\t'),
                        'r' => text.push('\r'),
                        '0' => text.push('\0'),
                        '\n' => {
                            line += 1;
                            while i < chars.len() && chars[i].is_whitespace() {
                                if chars[i] == '\n' {
                                    line += 1;
                                }
                                i += 1;
                            }
                        }
                        'u' => {
                            let close = (i..chars.len()).find(|&k| chars[k] == '}').unwrap_or(i);
                            let hex: String = chars[i + 1..close].iter().collect();
                            if let Some(ch) =
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                            {
                                text.push(ch);
                            }
                            i = close + 1;
                        }
                        other => text.push(other),
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            tokens.push(Token {
                tok: Tok::Str(text),
                line: start_line,
            });
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Ident(chars[start..i].iter().collect()),
                line,
            });
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push(Token {
                tok: Tok::Punct("::".into()),
                line,
            });
            i += 2;
        } else {
            tokens.push(Token {
                tok: Tok::Punct(c.to_string()),
                line,
            });
            i += 1;
        }
    }
    tokens
}

/// A raw string (`r"…"`, `r#"…"#`, `br"…"`) starting at `i`: its text and where it ends.
fn raw_string(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut k = i;
    if matches!(chars.get(k), Some('b' | 'c')) {
        k += 1;
    }
    if chars.get(k) != Some(&'r') {
        return None;
    }
    k += 1;
    let hashes = chars[k..].iter().take_while(|&&c| c == '#').count();
    k += hashes;
    if chars.get(k) != Some(&'"') {
        return None;
    }
    let start = k + 1;
    let mut end = start;
    while end < chars.len() {
        if chars[end] == '"'
            && chars[end + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some((chars[start..end].iter().collect(), end + 1 + hashes));
        }
        end += 1;
    }
    None
}

fn is_ident(token: Option<&Token>, name: &str) -> bool {
    matches!(token, Some(Token { tok: Tok::Ident(i), .. }) if i == name)
}

fn is_punct(token: Option<&Token>, punct: &str) -> bool {
    matches!(token, Some(Token { tok: Tok::Punct(p), .. }) if p == punct)
}

/// Leaves out `#[cfg(test)] mod … { … }`.
fn without_test_modules(tokens: Vec<Token>) -> Vec<Token> {
    let cfg_test = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let starts_test_module = cfg_test.iter().enumerate().all(|(k, want)| {
            matches!(&tokens.get(i + k).map(|t| &t.tok), Some(Tok::Punct(p) | Tok::Ident(p)) if p == want)
        }) && is_ident(tokens.get(i + 7), "mod")
            && is_punct(tokens.get(i + 9), "{");
        if starts_test_module {
            let (_, end) = arguments(&tokens, i + 9);
            i = end;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// The comma-separated arguments of the bracketed group opening at `open`, and the index
/// after its close.
fn arguments(tokens: &[Token], open: usize) -> (Vec<&[Token]>, usize) {
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut args = Vec::new();
    for (i, token) in tokens.iter().enumerate().skip(open) {
        let Tok::Punct(p) = &token.tok else {
            continue;
        };
        match p.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if start < i {
                        args.push(&tokens[start..i]);
                    }
                    return (args, i + 1);
                }
            }
            "," if depth == 1 => {
                args.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    (args, tokens.len())
}

/// A format string with each `{…}` as `{}`.
fn template_of(format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                out.push_str("{}");
            }
            c => out.push(c),
        }
    }
    out
}

/// The message an argument spells: a string literal (maybe `.into()`/`.to_owned()`…) or a
/// `format!`; `None` for anything computed.
fn message_of(arg: &[Token]) -> Option<String> {
    match arg {
        [
            Token {
                tok: Tok::Str(text),
                ..
            },
            rest @ ..,
        ] if is_conversion(rest) => Some(text.clone()),
        [first, bang, ..] if is_ident(Some(first), "format") && is_punct(Some(bang), "!") => {
            let (inner, _) = arguments(arg, 2);
            match inner.first()?.first()? {
                Token {
                    tok: Tok::Str(format),
                    ..
                } => Some(template_of(format)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Nothing, or method calls without arguments (`.into()`, `.to_owned()`, `.to_string()`).
fn is_conversion(rest: &[Token]) -> bool {
    rest.chunks(4).all(|call| {
        call.len() == 4
            && is_punct(call.first(), ".")
            && matches!(call[1].tok, Tok::Ident(_))
            && is_punct(call.get(2), "(")
            && is_punct(call.get(3), ")")
    })
}

/// The tokens of a value up to the next `,` or closing bracket at its level.
fn value_at(tokens: &[Token], start: usize) -> &[Token] {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(start) {
        if let Tok::Punct(p) = &token.tok {
            match p.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" if depth == 0 => return &tokens[start..i],
                ")" | "]" | "}" => depth -= 1,
                "," if depth == 0 => return &tokens[start..i],
                _ => {}
            }
        }
    }
    &tokens[start..]
}

#[derive(Default)]
struct Sources {
    /// Message (as a template) → where it is made.
    messages: BTreeMap<String, Vec<String>>,
    /// Field names of `bad_input` calls → where.
    fields: BTreeMap<String, Vec<String>>,
    /// NOT_FOUND entities → where.
    entities: BTreeMap<String, Vec<String>>,
    /// Every string literal, for the terms.
    literals: BTreeSet<String>,
}

impl Sources {
    fn read(root: &Path) -> Sources {
        let mut sources = Sources::default();
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        files.sort();
        for file in files {
            let relative = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            if relative.starts_with("src/messages_zh/") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{relative}: {e}"));
            sources.scan(&relative, &without_test_modules(lex(&text)));
        }
        sources
    }

    fn scan(&mut self, file: &str, tokens: &[Token]) {
        let http = file.starts_with("src/http/");
        let thiserror = file != "src/config.rs" && file != "src/rules/draw_record.rs";
        for (i, token) in tokens.iter().enumerate() {
            let at = |k: usize| tokens.get(i + k);
            let site = format!("{file}:{}", token.line);
            if let Tok::Str(text) = &token.tok {
                self.literals.insert(text.clone());
            }
            if is_ident(at(0), "AppError") && is_punct(at(1), "::") && is_punct(at(3), "(") {
                let Some(Token {
                    tok: Tok::Ident(made),
                    ..
                }) = at(2)
                else {
                    continue;
                };
                let (args, _) = arguments(tokens, i + 3);
                match made.as_str() {
                    "bad_input" => {
                        if let Some(field) = args.first().and_then(|a| message_of(a)) {
                            for name in field_names(&field) {
                                self.fields.entry(name).or_default().push(site.clone());
                            }
                        }
                        self.message(args.get(1), &site);
                    }
                    "forbidden" | "Forbidden" | "conflict" | "Conflict" | "Unauthenticated" => {
                        self.message(args.first(), &site);
                    }
                    "not_found" => {
                        if let Some(entity) = args.first().and_then(|a| message_of(a)) {
                            self.entities.entry(entity).or_default().push(site);
                        }
                    }
                    _ => {}
                }
            } else if thiserror
                && is_punct(at(0), "#")
                && is_punct(at(1), "[")
                && is_ident(at(2), "error")
                && is_punct(at(3), "(")
            {
                let (args, _) = arguments(tokens, i + 3);
                if let Some(
                    [
                        Token {
                            tok: Tok::Str(format),
                            ..
                        },
                    ],
                ) = args.first()
                {
                    self.add(template_of(format), &site);
                }
            } else if is_ident(at(0), "find_or_not_found") {
                // `services::find_or_not_found::<E>(db, "Entity", id)` makes the NOT_FOUND.
                let Some(open) = (i + 1..tokens.len()).find(|&k| is_punct(tokens.get(k), "("))
                else {
                    continue;
                };
                let (args, _) = arguments(tokens, open);
                if let Some(entity) = args.get(1).and_then(|a| message_of(a)) {
                    self.entities.entry(entity).or_default().push(site);
                }
            } else if is_ident(at(0), "InputValueError")
                && is_punct(at(1), "::")
                && is_ident(at(2), "custom")
                && is_punct(at(3), "(")
            {
                self.message(arguments(tokens, i + 3).0.first(), &site);
            } else if is_ident(at(0), "async_graphql")
                && is_punct(at(1), "::")
                && is_ident(at(2), "Error")
                && is_punct(at(3), "::")
                && is_ident(at(4), "new")
                && is_punct(at(5), "(")
            {
                self.message(arguments(tokens, i + 5).0.first(), &site);
            } else if http {
                self.scan_http(file, tokens, i, &site);
            }
        }
    }

    fn scan_http(&mut self, file: &str, tokens: &[Token], i: usize, site: &str) {
        let at = |k: usize| tokens.get(i + k);
        let defined = i > 0 && is_ident(tokens.get(i - 1), "fn");
        for (function, arity, position) in [
            ("error_response", 4, 2),
            ("plain_error", 2, 1),
            ("error_body", 2, 0),
        ] {
            if !defined && is_ident(at(0), function) && is_punct(at(1), "(") {
                let (args, _) = arguments(tokens, i + 1);
                if args.len() == arity {
                    self.message(args.get(position), site);
                }
            }
        }
        if is_ident(at(0), "Err") && is_punct(at(1), "(") {
            let (args, _) = arguments(tokens, i + 1);
            if let Some(message) = args.first().and_then(|a| message_of(a)) {
                self.add(message, site);
            }
        }
        if is_punct(at(0), "|") && is_ident(at(1), "_") && is_punct(at(2), "|") {
            if let Some(message) = message_of(value_at(tokens, i + 3)) {
                self.add(message, site);
            }
        }
        if matches!(at(0), Some(Token { tok: Tok::Str(key), .. }) if key == "message")
            && is_punct(at(1), ":")
        {
            if let Some(message) = message_of(value_at(tokens, i + 2)) {
                self.add(message, site);
            }
        }
        if file == "src/http/limits.rs" && is_ident(at(0), "format") && is_punct(at(1), "!") {
            if let Some(message) = message_of(value_at(tokens, i)) {
                self.add(message, site);
            }
        }
    }

    fn message(&mut self, arg: Option<&&[Token]>, site: &str) {
        if let Some(message) = arg.and_then(|a| message_of(a)) {
            self.add(message, site);
        }
    }

    fn add(&mut self, message: String, site: &str) {
        self.messages
            .entry(message)
            .or_default()
            .push(site.to_owned());
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names in a field path (`rows[{}].examScore` → rows, examScore), dynamic parts left out.
fn field_names(path: &str) -> Vec<String> {
    path.split('.')
        .map(|segment| segment.split('[').next().unwrap_or_default())
        .filter(|name| !name.is_empty() && !name.contains("{}"))
        .map(str::to_owned)
        .collect()
}

/// Every input field and argument name of the SDL.
fn schema_names(sdl: &str) -> BTreeSet<String> {
    // Descriptions, strings and comments out.
    let mut text = String::new();
    let mut rest = sdl;
    while let Some(start) = rest.find(['"', '#']) {
        text.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = if let Some(block) = rest.strip_prefix("\"\"\"") {
            block.find("\"\"\"").map_or(rest.len(), |e| e + 6)
        } else if rest.starts_with('#') {
            rest.find('\n').unwrap_or(rest.len())
        } else {
            let mut escaped = false;
            rest.char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let close = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close
                })
                .map_or(rest.len(), |(e, _)| e + 1)
        };
        rest = &rest[end..];
    }
    text.push_str(rest);

    let tokens: Vec<Token> = lex(&text);
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        let block = match &tokens[i].tok {
            Tok::Ident(k) if k == "input" || k == "type" || k == "interface" => k.clone(),
            _ => {
                i += 1;
                continue;
            }
        };
        let Some(open) = (i..tokens.len()).find(|&k| is_punct(tokens.get(k), "{")) else {
            break;
        };
        let (_, end) = arguments(&tokens, open);
        let mut k = open + 1;
        while k < end.saturating_sub(1) {
            let name = match &tokens[k].tok {
                Tok::Ident(name) => name,
                _ => {
                    k += 1;
                    continue;
                }
            };
            let after_at = is_punct(tokens.get(k.wrapping_sub(1)), "@");
            if block == "input" && is_punct(tokens.get(k + 1), ":") {
                names.insert(name.clone());
                k += 2;
            } else if is_punct(tokens.get(k + 1), "(") {
                let (args, close) = arguments(&tokens, k + 1);
                if block != "input" && !after_at {
                    for arg in args {
                        if let [
                            Token {
                                tok: Tok::Ident(arg),
                                ..
                            },
                            colon,
                            ..,
                        ] = arg
                            && is_punct(Some(colon), ":")
                        {
                            names.insert(arg.clone());
                        }
                    }
                }
                k = close;
            } else if is_punct(tokens.get(k + 1), "{") {
                // A default object value: skip it.
                k = arguments(&tokens, k + 1).1;
            } else {
                k += 1;
            }
        }
        i = end;
    }
    names
}

/// Whether a literal dynamic part (text the source fixes where a template has `{}`) reads
/// as Chinese; records the terms and entries it uses.
fn part_reads(part: &str, kind: Option<&str>, depth: usize, used: &mut Used) -> bool {
    if part.contains("{}") || !part.chars().any(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    match kind {
        Some("field") => {
            return field_names(part)
                .iter()
                .all(|name| lookup(words::FIELDS, name).is_some());
        }
        Some("ordinal") => return part.parse::<usize>().is_ok(),
        Some(kind) if enum_label(kind, part).is_some() => return true,
        _ => {}
    }
    if lookup(words::TERMS, part).is_some() {
        used.terms.insert(part.to_owned());
        return true;
    }
    if enum_names(part).is_some() || any_label(part).is_some() {
        return true;
    }
    depth < MAX_DEPTH && reads(part, depth + 1, used)
}

#[derive(Default)]
struct Used {
    entries: BTreeSet<&'static str>,
    terms: BTreeSet<String>,
}

/// Whether a source message has an entry whose Chinese leaves no English behind.
fn reads(message: &str, depth: usize, used: &mut Used) -> bool {
    let Some((template, parts)) = best_match(message) else {
        return false;
    };
    used.entries.insert(template.english);
    template.chinese.iter().all(|piece| match piece {
        Chinese::Text(_) => true,
        Chinese::Part { index, kind } => part_reads(
            parts.get(*index).copied().unwrap_or_default(),
            *kind,
            depth,
            used,
        ),
    })
}

#[test]
fn every_message_has_chinese_and_every_entry_a_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = Sources::read(root);
    let sdl = std::fs::read_to_string(root.join("schema.graphql")).expect("schema.graphql");
    let mut problems = Vec::new();
    let mut used = Used::default();

    // Enough found that a broken scanner cannot pass quietly.
    assert!(
        sources.messages.len() > 200,
        "{} messages found",
        sources.messages.len()
    );
    assert!(
        sources.entities.len() > 10,
        "{} entities found",
        sources.entities.len()
    );

    for (message, sites) in &sources.messages {
        if !reads(message, 0, &mut used) {
            problems.push(format!(
                "no Chinese for {message:?} ({}): add it to MESSAGES (or a word to TERMS)",
                sites.join(", ")
            ));
        }
    }
    for (english, _) in catalogue::MESSAGES.iter().chain(oversight::OVERSIGHT) {
        if !used.entries.contains(english) {
            problems.push(format!(
                "MESSAGES has {english:?}, which no code makes any more"
            ));
        }
    }
    for (english, _) in catalogue::FRAGMENTS {
        let found = english
            .split("{}")
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .all(|piece| sources.literals.iter().any(|l| l.contains(piece)));
        if !found {
            problems.push(format!(
                "FRAGMENTS has {english:?}, which no code writes any more"
            ));
        }
    }
    for (term, _) in words::TERMS {
        if !used.terms.contains(*term) && !sources.literals.contains(*term) {
            problems.push(format!(
                "TERMS has {term:?}, which no message uses any more"
            ));
        }
    }

    let mut fields: BTreeMap<String, Vec<String>> = schema_names(&sdl)
        .into_iter()
        .map(|name| (name, vec!["schema.graphql".to_owned()]))
        .collect();
    for (name, sites) in &sources.fields {
        fields
            .entry(name.clone())
            .or_default()
            .extend(sites.iter().cloned());
    }
    assert!(fields.len() > 100, "{} field names found", fields.len());
    for (name, sites) in &fields {
        if lookup(words::FIELDS, name).is_none() {
            problems.push(format!(
                "no label for the field {name:?} ({}): add it to FIELDS",
                sites[0]
            ));
        }
    }
    for (name, _) in words::FIELDS {
        if !fields.contains_key(*name) {
            problems.push(format!("FIELDS has {name:?}, which no input has any more"));
        }
    }

    for (entity, sites) in &sources.entities {
        if lookup(words::ENTITIES, entity).is_none() {
            problems.push(format!(
                "no name for the entity {entity:?} ({}): add it to ENTITIES",
                sites[0]
            ));
        }
    }
    for (entity, _) in words::ENTITIES {
        if !sources.entities.contains_key(*entity) {
            problems.push(format!(
                "ENTITIES has {entity:?}, which no NOT_FOUND names any more"
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "the Chinese message catalogue (src/messages_zh/catalogue.rs, words.rs) is out of step with the code:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_scanner_reads_calls_as_written() {
    let src = r##"
        fn f() {
            AppError::bad_input("rows[{i}].examScore", format!("must be at most {max} points, not {}", x));
            AppError::conflict(
                "a long \
                 message",
            );
            AppError::Unauthenticated("sign in first".into());
            let _ = 'a'; let _: &'static str = r#"raw "quoted""#;
            AppError::forbidden(reason);
            AppError::not_found("Panel", id);
            find_or_not_found::<seat::Entity>(db, "PanelSeat", id).await?;
        }
        #[derive(thiserror::Error)]
        enum E { #[error("the seat is {0}; {status:?} it")] A }
        #[cfg(test)]
        mod tests { fn g() { AppError::conflict("only in a test"); } }
    "##;
    let mut sources = Sources::default();
    sources.scan("src/x.rs", &without_test_modules(lex(src)));
    let messages: Vec<&str> = sources.messages.keys().map(String::as_str).collect();
    assert_eq!(
        messages,
        [
            "a long message",
            "must be at most {} points, not {}",
            "sign in first",
            "the seat is {}; {} it",
        ]
    );
    assert_eq!(
        sources.fields.keys().collect::<Vec<_>>(),
        ["examScore", "rows"]
    );
    assert!(sources.literals.contains("raw \"quoted\""));
    assert_eq!(
        sources.entities.keys().collect::<Vec<_>>(),
        ["Panel", "PanelSeat"]
    );
}

#[test]
fn schema_names_are_inputs_and_arguments() {
    let sdl = r#"
        """A description with (parens: Int)"""
        type Query {
            "field description"
            experts(after: String, first: Int = 20): [Expert!]! @deprecated(reason: "x")
            name: String
        }
        input CreateExpertInput { idCardNumber: String! @oneOf sectors: [Sector!] = [] }
        directive @x(ignored: Int) on FIELD
    "#;
    let names: Vec<String> = schema_names(sdl).into_iter().collect();
    assert_eq!(names, ["after", "first", "idCardNumber", "sectors"]);
}
