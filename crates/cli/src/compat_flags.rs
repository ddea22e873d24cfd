//! StackQL flags that this build accepts, so existing command lines (pystackql's,
//! stackql-deploy's, scripts') keep working, but that change nothing here: each is listed
//! with the reason, and under `-v` a line on stderr says it was ignored. Also pflag's value
//! syntax for switches (`--flag`, `--flag=true|false`), shared by every switch.

use clap::Args;

/// A pflag switch: `--flag` is true, `--flag=false` turns it off; `--flag false` is not a
/// value (pflag reads `false` as the next argument). Values as Go's `strconv.ParseBool`.
pub fn pflag_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("'{s}' is not a boolean: use true or false")),
    }
}

/// A pflag `Uint32Var` value: Go's `strconv.ParseUint(s, 0, 32)`, so `0755` and `0o755` are
/// octal, `0x1ed` hexadecimal, `493` decimal.
pub fn go_uint32(s: &str) -> Result<u32, String> {
    let t = s.replace('_', "");
    let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(h, 16)
    } else if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        u32::from_str_radix(o, 8)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        u32::from_str_radix(b, 2)
    } else if t.len() > 1 && t.starts_with('0') {
        u32::from_str_radix(&t[1..], 8)
    } else {
        t.parse::<u32>()
    };
    parsed.map_err(|_| format!("'{s}' is not an unsigned 32-bit number"))
}

/// Flags StackQL has that mean nothing for this build. Each is `Option` so that "given" is
/// known: only given flags are reported.
#[derive(Args, Debug, Default, Clone)]
pub struct CompatFlags {
    /// Ignored here (StackQL: CPU profile file).
    #[arg(long = "cpuprofile", allow_hyphen_values = true)]
    pub cpuprofile: Option<String>,
    /// Ignored here (StackQL: DBMS housekeeping config, JSON).
    #[arg(long = "dbInternal", allow_hyphen_values = true)]
    pub db_internal: Option<String>,
    /// Ignored here (StackQL: SQL backend config, JSON; this build always uses an embedded SQLite).
    #[arg(long = "sqlBackend", allow_hyphen_values = true)]
    pub sql_backend: Option<String>,
    /// Ignored here (StackQL: namespaces for caching, views, JSON).
    #[arg(long = "namespaces", allow_hyphen_values = true)]
    pub namespaces: Option<String>,
    /// Ignored here (StackQL: transaction store config, JSON).
    #[arg(long = "store.txn", allow_hyphen_values = true)]
    pub store_txn: Option<String>,
    /// Ignored here (StackQL: garbage collector config, JSON).
    #[arg(long = "gc", allow_hyphen_values = true)]
    pub gc: Option<String>,
    /// Ignored here (StackQL: ACID config, JSON).
    #[arg(long = "acid", allow_hyphen_values = true)]
    pub acid: Option<String>,
    /// Ignored here (StackQL: the stackql_preview provider's config, JSON).
    #[arg(long = "preview", allow_hyphen_values = true)]
    pub preview: Option<String>,
    /// Ignored here (StackQL: session config, JSON).
    #[arg(long = "session", allow_hyphen_values = true)]
    pub session: Option<String>,
    /// Ignored here, as in StackQL (deprecated: colour schemes are gone).
    #[arg(long = "colorscheme", allow_hyphen_values = true)]
    pub colorscheme: Option<String>,
    /// Ignored here (StackQL: viper config file name).
    #[arg(long = "viperconfigfilename", allow_hyphen_values = true, hide = true)]
    pub viper_config_file_name: Option<String>,
    /// Ignored here (StackQL: adds maxResults=N to requests; every page is fetched here).
    #[arg(long = "http.response.maxResults", allow_hyphen_values = true)]
    pub http_max_results: Option<i64>,
    /// Ignored here (StackQL: depth of views and subqueries; bounded here by the statement limits).
    #[arg(long = "indirect.depth.max", allow_hyphen_values = true)]
    pub indirect_depth_max: Option<i64>,
    /// Ignored here (StackQL: dataflow dependency depth; SQLite plans the query here).
    #[arg(long = "dataflow.dependency.max", allow_hyphen_values = true)]
    pub dataflow_dependency_max: Option<i64>,
    /// Ignored here (StackQL: dataflow components; SQLite plans the query here).
    #[arg(long = "dataflow.components.max", allow_hyphen_values = true)]
    pub dataflow_components_max: Option<i64>,
    /// Ignored here (StackQL: default provider; tables are always provider.service.resource here).
    #[arg(long = "provider", allow_hyphen_values = true)]
    pub provider: Option<String>,
    /// Ignored here (StackQL: export namespace prefix of its SQL backend).
    #[arg(long = "export.alias", allow_hyphen_values = true)]
    pub export_alias: Option<String>,
    /// Ignored here (StackQL: debug notices to srv clients).
    #[arg(long = "pgsrv.debug.enable", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = pflag_bool)]
    pub pgsrv_debug: Option<bool>,
    /// Ignored here (StackQL: srv log level).
    #[arg(long = "pgsrv.loglevel", allow_hyphen_values = true)]
    pub pgsrv_loglevel: Option<String>,
    /// Ignored here (StackQL: miscellaneous srv config, JSON).
    #[arg(long = "pgsrv.sundry", allow_hyphen_values = true)]
    pub pgsrv_sundry: Option<String>,
    /// Ignored here (StackQL: query plan cache size).
    #[arg(long = "querycachesize", allow_hyphen_values = true)]
    pub query_cache_size: Option<i64>,
    /// Ignored here (StackQL: cache initial key count).
    #[arg(long = "cachekeycount", allow_hyphen_values = true)]
    pub cache_key_count: Option<i64>,
    /// Ignored here (StackQL: TTL of cached documents; the parse cache here is checked against each source file).
    #[arg(long = "metadatattl", allow_hyphen_values = true)]
    pub metadata_ttl: Option<i64>,
    /// Ignored here (StackQL: non-preferred APIs).
    #[arg(long = "usenonpreferredapis", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = pflag_bool)]
    pub use_non_preferred_apis: Option<bool>,
    /// StackQL's hidden test switch; only `=false` is accepted here (use --dryrun).
    #[arg(long = "TestWithoutAPICalls", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = pflag_bool, hide = true)]
    pub test_without_api_calls: Option<bool>,
    /// Ignored here (StackQL: errors as `stderr` or as a `record`); errors go to stderr.
    #[arg(long = "errorpresentation", allow_hyphen_values = true, hide = true)]
    pub error_presentation: Option<String>,
    /// Ignored here (StackQL: MCP server config; there is no `mcp` subcommand here).
    #[arg(long = "mcp.config", allow_hyphen_values = true)]
    pub mcp_config: Option<String>,
    /// Ignored here (StackQL: MCP server type).
    #[arg(long = "mcp.server.type", allow_hyphen_values = true)]
    pub mcp_server_type: Option<String>,
}

impl CompatFlags {
    /// (flag, why it changes nothing) for every flag given.
    pub fn ignored(&self) -> Vec<(&'static str, &'static str)> {
        const JSON_CONFIG: &str = "this build has one embedded SQLite and no configurable backend";
        const PLANNER: &str = "SQLite plans each query here; there is no dataflow graph to bound";
        let given: [(&'static str, bool, &'static str); 28] = [
            ("--cpuprofile", self.cpuprofile.is_some(), "no profiler is built in"),
            ("--dbInternal", self.db_internal.is_some(), JSON_CONFIG),
            ("--sqlBackend", self.sql_backend.is_some(), JSON_CONFIG),
            ("--namespaces", self.namespaces.is_some(), JSON_CONFIG),
            ("--store.txn", self.store_txn.is_some(), JSON_CONFIG),
            ("--gc", self.gc.is_some(), JSON_CONFIG),
            ("--acid", self.acid.is_some(), JSON_CONFIG),
            ("--preview", self.preview.is_some(), "there is no stackql_preview provider here"),
            ("--session", self.session.is_some(), JSON_CONFIG),
            ("--colorscheme", self.colorscheme.is_some(), "deprecated in StackQL too; output is never coloured"),
            ("--viperconfigfilename", self.viper_config_file_name.is_some(), "no viper config file is read"),
            ("--http.response.maxResults", self.http_max_results.is_some(), "page sizes are the API's defaults; every page is fetched (see --http.response.pageLimit)"),
            ("--indirect.depth.max", self.indirect_depth_max.is_some(), "views and subqueries are bounded by the statement limits (200 levels)"),
            ("--dataflow.dependency.max", self.dataflow_dependency_max.is_some(), PLANNER),
            ("--dataflow.components.max", self.dataflow_components_max.is_some(), PLANNER),
            ("--provider", self.provider.is_some(), "tables are always named provider.service.resource"),
            ("--export.alias", self.export_alias.is_some(), "there is no exportable SQL backend here"),
            ("--pgsrv.debug.enable", self.pgsrv_debug.is_some(), "srv sends no debug notices"),
            ("--pgsrv.loglevel", self.pgsrv_loglevel.is_some(), "srv logs only errors and warnings"),
            ("--pgsrv.sundry", self.pgsrv_sundry.is_some(), JSON_CONFIG),
            ("--querycachesize", self.query_cache_size.is_some(), "no query plan cache is kept"),
            ("--cachekeycount", self.cache_key_count.is_some(), "the parse cache has no key count"),
            ("--metadatattl", self.metadata_ttl.is_some(), "cached registry documents are checked against their source files, not aged"),
            ("--usenonpreferredapis", self.use_non_preferred_apis.is_some(), "every service in the registry can be queried"),
            ("--TestWithoutAPICalls", self.test_without_api_calls.is_some(), "use --dryrun to send nothing"),
            ("--errorpresentation", self.error_presentation.is_some(), "errors always go to stderr"),
            ("--mcp.config", self.mcp_config.is_some(), "there is no mcp subcommand here"),
            ("--mcp.server.type", self.mcp_server_type.is_some(), "there is no mcp subcommand here"),
        ];
        given
            .into_iter()
            .filter(|(_, g, _)| *g)
            .map(|(f, _, why)| (f, why))
            .collect()
    }

    /// Flags whose ignoring would do what the user asked not to.
    pub fn refuse(&self) -> anyhow::Result<()> {
        if self.test_without_api_calls == Some(true) {
            anyhow::bail!(
                "--TestWithoutAPICalls is StackQL's internal test switch and is not honoured here; use --dryrun to send nothing"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_number_forms() {
        assert_eq!(go_uint32("0755"), Ok(0o755));
        assert_eq!(go_uint32("0o700"), Ok(0o700));
        assert_eq!(go_uint32("493"), Ok(493));
        assert_eq!(go_uint32("0x1ed"), Ok(0o755));
        assert_eq!(go_uint32("0"), Ok(0));
        assert!(go_uint32("-1").is_err());
        assert!(go_uint32("0789").is_err());
        assert_eq!(pflag_bool("T"), Ok(true));
        assert_eq!(pflag_bool("False"), Ok(false));
        assert!(pflag_bool("yes").is_err());
    }
}
