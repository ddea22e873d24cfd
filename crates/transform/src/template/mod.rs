//! Go's text/template, the subset StackQL's response transforms use, written here rather
//! than taken from a crate: what a transform produces is what users query, so its
//! behaviour must follow Go's exactly (truthiness, `index` on missing keys, variable
//! scopes, how nil and floats print, `toJson`'s encoding), and the Rust ports of
//! text/template differ from Go in those places; it also has to stay within limits on
//! untrusted bodies and answers, which a general engine does not offer.

mod exec;
mod funcs;
mod limits;
mod parse;
mod value;

pub use funcs::FuncSet;
pub use limits::Limits;
pub use value::{go_json, go_print, Val};

/// A failure to parse or run a template.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("template line {line}: {message}")]
    Parse { line: usize, message: String },
    #[error("executing template line {line}: {message}")]
    Exec { line: usize, message: String },
    #[error("{0}")]
    Limit(String),
}

/// A parsed template body.
#[derive(Debug)]
pub struct Template {
    root: parse::List,
    funcs: FuncSet,
}

impl Template {
    /// Parses `body` with the functions `funcs` names, as Go does at parse time
    /// (unknown functions and undefined variables are errors here, not when run).
    pub fn parse(body: &str, funcs: FuncSet, limits: &Limits) -> Result<Template, TemplateError> {
        let root = parse::parse(body, &funcs, limits)?;
        Ok(Template { root, funcs })
    }

    /// Runs the template on `data` (dot and `$`), returning what it printed.
    pub fn execute(&self, data: &Val, limits: &Limits) -> Result<String, TemplateError> {
        let mut ex = exec::Exec::new(data.clone(), limits, self.funcs);
        ex.run(data, &self.root)?;
        Ok(ex.out)
    }
}
