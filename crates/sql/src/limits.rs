//! The limits that keep one statement from taking the process down: script and statement
//! size, how deeply an expression may nest or chain, and the stack every parse runs on.
//! Every sqlparser parse in this crate goes through `parse_sql` here.
//!
//! Why a depth rule of our own: sqlparser's recursion limit bounds parentheses and
//! subqueries, but it builds `1 + 1 + ...` and `SELECT .. UNION SELECT ..` chains in a loop,
//! so a 400 KB statement makes a tree hundreds of thousands of levels deep, and dropping,
//! cloning or walking that tree recursively overflows any thread's stack. The tokens are
//! therefore scanned first and a statement whose expressions could nest deeper than
//! `MAX_EXPR_DEPTH` is refused before a tree is built.

use crate::SqlError;
use sqlparser::ast;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The largest statement accepted (bytes). Far above any hand-written or templated
/// statement; it bounds the memory and time one statement can cost a shared server.
pub const MAX_STATEMENT_BYTES: usize = 1 << 20;

/// The largest script `split_statements` accepts (bytes).
pub const MAX_SCRIPT_BYTES: usize = 64 << 20;

/// How many operators and keywords one expression may chain, counted through every
/// enclosing parenthesis. An upper bound on the depth of the tree sqlparser builds; twice
/// SQLite's own expression depth limit (SQLITE_MAX_EXPR_DEPTH, 1000), because the count
/// includes keywords (`a = 1 AND b = 2` counts 3 where SQLite's depth is 2).
pub const MAX_EXPR_DEPTH: usize = 2000;

/// sqlparser's recursion limit: parentheses, subqueries and prefix operators nested in
/// one another (each level of parentheses costs one).
pub const MAX_NESTING: usize = 200;

/// The stack the parse and the walks over its tree get. The deepest statements the limits
/// accept (`tests/limits.rs`, `deepest_accepted`) need between 1 and 2 MiB in a debug
/// build without this guarantee (measured with thread stacks of 1 and 2 MiB), less in
/// release; 4 MiB leaves a margin, and a main thread (8 MiB) rarely needs a new segment.
const STACK_RED_ZONE: usize = 4 << 20;
const STACK_GROW: usize = 16 << 20;

/// Runs `f` with at least `STACK_RED_ZONE` of stack left, on a fresh segment when the
/// calling thread (main, a tokio worker, a pgserver session thread) has less.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, f)
}

/// Refuses a script larger than `MAX_SCRIPT_BYTES`.
pub(crate) fn check_script(script: &str) -> Result<(), SqlError> {
    if script.len() > MAX_SCRIPT_BYTES {
        return Err(SqlError::Limit(format!(
            "the script is {} bytes; the limit is {} MiB ({MAX_SCRIPT_BYTES} bytes): split it into several runs",
            script.len(),
            MAX_SCRIPT_BYTES >> 20
        )));
    }
    Ok(())
}

/// Refuses a statement larger than `MAX_STATEMENT_BYTES`.
pub(crate) fn check_statement(text: &str, first_line: usize) -> Result<(), SqlError> {
    if text.len() > MAX_STATEMENT_BYTES {
        return Err(SqlError::Limit(format!(
            "the statement at line {first_line} is {} bytes; the limit is {} MiB ({MAX_STATEMENT_BYTES} bytes) per statement: split it into smaller statements",
            text.len(),
            MAX_STATEMENT_BYTES >> 20
        )));
    }
    Ok(())
}

/// sqlparser (SQLite dialect) within the limits: size, expression depth, nesting.
/// `first_line` is the statement's line in the script, for error positions.
pub(crate) fn parse_sql(text: &str, first_line: usize) -> Result<Vec<ast::Statement>, SqlError> {
    check_statement(text, first_line)?;
    let dialect = SQLiteDialect {};
    let tokens = Tokenizer::new(&dialect, text)
        .tokenize_with_location()
        .map_err(|e| crate::statement::syntax_error(&e.to_string(), first_line))?;
    check_depth(&tokens, first_line)?;
    let parsed = Parser::new(&dialect)
        .with_recursion_limit(MAX_NESTING)
        .with_tokens_with_locations(tokens)
        .parse_statements();
    parsed.map_err(|e| match e {
        ParserError::RecursionLimitExceeded => SqlError::Limit(format!(
            "the statement at line {first_line} nests parentheses, subqueries or operators too deeply (limit {MAX_NESTING} levels)"
        )),
        other => crate::statement::syntax_error(&other.to_string(), first_line),
    })
}

/// The conservative depth bound described at the top of the module. Per level of
/// parentheses (or brackets) it keeps two counts: operators and keywords since the last
/// comma (a comma starts a new list item, so a new tree), and set operators (`UNION`,
/// `EXCEPT`, `INTERSECT`), whose chain runs across the select lists' commas. The bound at a
/// token is the sum over the enclosing levels.
fn check_depth(tokens: &[TokenWithSpan], first_line: usize) -> Result<(), SqlError> {
    #[derive(Default)]
    struct Level {
        run: usize,
        set_ops: usize,
    }
    let mut levels = vec![Level::default()];
    let mut outer = 0usize; // the sum of run + set_ops over all levels but the innermost
    for t in tokens {
        let top = levels
            .last_mut()
            .expect("the outermost level is never popped");
        match &t.token {
            Token::Whitespace(_)
            | Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::Placeholder(_) => continue,
            Token::Word(w) if w.keyword == Keyword::NoKeyword || w.quote_style.is_some() => {
                continue
            }
            Token::Word(w)
                if matches!(
                    w.keyword,
                    Keyword::UNION | Keyword::EXCEPT | Keyword::INTERSECT | Keyword::MINUS
                ) =>
            {
                top.set_ops += 1
            }
            Token::Comma => {
                top.run = 0;
                continue;
            }
            Token::LParen | Token::LBracket | Token::LBrace => {
                top.run += 1;
                outer += top.run + top.set_ops;
                levels.push(Level::default());
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                if levels.len() > 1 {
                    levels.pop();
                    let top = levels.last().expect("at least one level");
                    outer -= top.run + top.set_ops;
                }
                continue;
            }
            _ => top.run += 1,
        }
        let top = levels.last().expect("at least one level");
        if outer + top.run + top.set_ops > MAX_EXPR_DEPTH {
            let at = t.span.start;
            return Err(SqlError::Limit(format!(
                "the statement chains or nests more than {MAX_EXPR_DEPTH} operators in one expression (at line {}, column {}): split the expression or the statement",
                at.line + first_line as u64 - 1,
                at.column
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(sql: &str) -> Result<(), SqlError> {
        let tokens = Tokenizer::new(&SQLiteDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        check_depth(&tokens, 1)
    }

    fn chain(n: usize, unit: &str, sep: &str) -> String {
        vec![unit; n].join(sep)
    }

    #[test]
    fn long_operator_chains_are_refused_short_ones_pass() {
        assert!(depth_of(&format!("SELECT {}", chain(1000, "1", " + "))).is_ok());
        let err = depth_of(&format!("SELECT {}", chain(3000, "1", " + "))).unwrap_err();
        assert!(matches!(err, SqlError::Limit(_)), "{err:?}");
        assert!(err.to_string().contains("2000"), "{err}");
    }

    #[test]
    fn commas_start_new_items_but_not_a_new_set_operation_chain() {
        // 3000 columns of one operator each: shallow.
        assert!(depth_of(&format!("SELECT {}", chain(3000, "a + 1", ", "))).is_ok());
        // A long IN list is flat.
        assert!(depth_of(&format!(
            "SELECT 1 WHERE x IN ({})",
            chain(50_000, "'r'", ", ")
        ))
        .is_ok());
        // UNION chains are deep whatever the commas in between.
        let unions = chain(2500, "SELECT 1, 2", " UNION ");
        assert!(matches!(depth_of(&unions), Err(SqlError::Limit(_))));
    }

    #[test]
    fn depth_adds_up_through_parentheses() {
        let inner = chain(900, "1", " + ");
        let sql = format!("SELECT {inner} + ({inner} + ({inner}))");
        assert!(matches!(depth_of(&sql), Err(SqlError::Limit(_))));
        // Siblings in parentheses do not add up.
        let sql = format!("SELECT ({inner}), ({inner}), ({inner})");
        assert!(depth_of(&sql).is_ok());
    }

    #[test]
    fn positions_point_into_the_script() {
        let sql = format!("SELECT\n{}", chain(3000, "1", " + "));
        let err = depth_of(&sql).unwrap_err().to_string();
        assert!(err.contains("at line 2"), "{err}");
    }
}
