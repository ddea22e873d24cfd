//! The pgwire handlers of one connection: startup (trust, SCRAM, md5 or cleartext password),
//! simple queries (several statements per message, stopping at the first error, as Postgres
//! does) and the extended protocol, and CancelRequests (matched to the session by its
//! process id and secret key, then the session's engine is cancelled).
//!
//! A failed password is answered after [`FAILED_LOGIN_DELAY`] (that connection waits, no
//! other does), naming the user of the startup message: SCRAM clients leave the user of
//! their own message empty, which the library would otherwise report as `user ""`.
//!
//! Extended protocol and result types: a Describe must announce the columns before Execute,
//! and column types are inferred from values, so describing a query runs it and keeps the
//! result for the Execute that follows (one use, within [`CACHE_TTL`]); clients that
//! prepare then execute (tokio-postgres, JDBC, psql's `\bind`) thus make the API calls
//! once. INSERT/UPDATE/DELETE are never run by a Describe (they return no rows). A
//! statement with parameters is described without values: its columns come from running
//! it with NULL parameters under `LIMIT 0` (SQLite then plans but never fetches), and are
//! all announced as text, which later executions then follow.

use crate::errors::{error_info, to_pgwire, user_error};
use crate::params;
use crate::session::{fire, CancelSlot, EngineSession};
use crate::types;
use crate::{AuthMethod, PasswordAuth};
use async_trait::async_trait;
use futures::sink::{Sink, SinkExt};
use futures::stream;
use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use pgwire::api::auth::md5pass::{hash_md5_password, Md5PasswordAuthStartupHandler};
use pgwire::api::auth::noop::NoopStartupHandler;
use pgwire::api::auth::sasl::scram::{gen_salted_password, ScramAuth};
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireServerHandlers, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult, SEVERITY_NOTICE};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::response::NoticeResponse;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use stackql_engine::{Completion, Executed, MutationResult, Outcome};
use stackql_output::ResultSet;
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a result computed for a Describe waits for its Execute.
const CACHE_TTL: Duration = Duration::from_secs(30);
const SCRAM_ITERATIONS: usize = 4096;
/// How long a connection waits before hearing that its password was wrong: guessing
/// passwords one connection after another gets slow.
pub const FAILED_LOGIN_DELAY: Duration = Duration::from_secs(1);

/// A session as a CancelRequest names it: process id and secret key (as bytes).
type SessionKey = (i32, Vec<u8>);

/// What every connection of a server shares.
pub struct Shared {
    pub engines: crate::EngineFactory,
    pub auth: Option<PasswordAuth>,
    pub cert_pem: Option<Vec<u8>>,
    /// `--dryrun`: statements are answered with their text, never run.
    pub dry_run: bool,
    /// The running sessions' cancel slots, for CancelRequests.
    pub sessions: Mutex<HashMap<SessionKey, CancelSlot>>,
}

/// The handlers of one connection; made per accepted socket so each session has its own
/// engine.
pub struct Connection {
    shared: Arc<Shared>,
    handler: Arc<Handler>,
}

impl Connection {
    /// `client`: a second handle on the connection's socket, so a statement whose client
    /// went away is cancelled.
    pub fn new(shared: Arc<Shared>, client: Option<Arc<tokio::net::TcpStream>>) -> Connection {
        let handler = Arc::new(Handler {
            session: EngineSession::start(crate::session::engines(shared.engines.clone()), client),
            parser: Arc::new(Parser),
            described: Mutex::new(None),
            shared: shared.clone(),
            key: OnceLock::new(),
        });
        Connection { shared, handler }
    }
}

/// CancelRequests arrive on a connection of their own; a request naming no running session
/// is ignored, as Postgres does.
struct Cancels(Arc<Shared>);

#[async_trait]
impl CancelHandler for Cancels {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let key = (request.pid, request.secret_key.to_bytes().to_vec());
        let slot = self
            .0
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(slot) = slot {
            fire(&slot);
        }
    }
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.handler.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.handler.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::new(Startup::new(&self.shared))
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::new(Cancels(self.shared.clone()))
    }
}

// ---- startup -------------------------------------------------------------------------

fn server_parameters() -> Arc<DefaultServerParameterProvider> {
    let mut p = DefaultServerParameterProvider::default();
    // Clients (psql) gate features on the major version; claim a current one.
    p.server_version = "16.0 (stackql)".to_string();
    Arc::new(p)
}

/// One concrete startup handler type whichever authentication is configured.
enum Startup {
    Trust(TrustStartup),
    Scram(SASLAuthStartupHandler<DefaultServerParameterProvider>),
    Md5(Md5PasswordAuthStartupHandler<Secret, DefaultServerParameterProvider>),
    Cleartext(CleartextPasswordAuthStartupHandler<Secret, Arc<DefaultServerParameterProvider>>),
}

impl Startup {
    fn new(shared: &Shared) -> Startup {
        let Some(auth) = &shared.auth else {
            return Startup::Trust(TrustStartup);
        };
        let secret = Secret {
            password: auth.password.clone(),
            method: auth.method,
        };
        match auth.method {
            AuthMethod::Scram => {
                let mut scram = ScramAuth::new(Arc::new(secret));
                scram.set_iterations(SCRAM_ITERATIONS);
                if let Some(pem) = &shared.cert_pem {
                    // Channel binding (SCRAM-SHA-256-PLUS) over TLS; without it plain SCRAM.
                    let _ = scram.configure_certificate(pem);
                }
                Startup::Scram(SASLAuthStartupHandler::new(server_parameters()).with_scram(scram))
            }
            AuthMethod::Md5 => Startup::Md5(Md5PasswordAuthStartupHandler::new(
                Arc::new(secret),
                server_parameters(),
            )),
            AuthMethod::Cleartext => Startup::Cleartext(CleartextPasswordAuthStartupHandler::new(
                secret,
                server_parameters(),
            )),
        }
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let result = match self {
            Startup::Trust(h) => h.on_startup(client, message).await,
            Startup::Scram(h) => h.on_startup(client, message).await,
            Startup::Md5(h) => h.on_startup(client, message).await,
            Startup::Cleartext(h) => h.on_startup(client, message).await,
        };
        match result {
            Err(PgWireError::InvalidPassword(_)) => {
                tokio::time::sleep(FAILED_LOGIN_DELAY).await;
                let user = client
                    .metadata()
                    .get(pgwire::api::METADATA_USER)
                    .cloned()
                    .unwrap_or_default();
                Err(PgWireError::InvalidPassword(user))
            }
            other => other,
        }
    }
}

struct TrustStartup;
impl NoopStartupHandler for TrustStartup {}

/// The configured password, for any user name.
struct Secret {
    password: String,
    method: AuthMethod,
}

impl Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A fresh salt per login (not secret, only unpredictable enough to defeat replay).
fn salt(len: usize) -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        out.extend_from_slice(&h.finish().to_le_bytes());
    }
    out.truncate(len);
    out
}

#[async_trait]
impl AuthSource for Secret {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        Ok(match self.method {
            AuthMethod::Scram => {
                let s = salt(16);
                let salted = gen_salted_password(&self.password, &s, SCRAM_ITERATIONS);
                Password::new(Some(s), salted)
            }
            AuthMethod::Md5 => {
                let s = salt(4);
                let hashed =
                    hash_md5_password(login.user().unwrap_or_default(), &self.password, &s);
                Password::new(Some(s), hashed.into_bytes())
            }
            AuthMethod::Cleartext => Password::new(None, self.password.clone().into_bytes()),
        })
    }
}

// ---- queries -------------------------------------------------------------------------

/// A parsed extended-protocol statement: the text and how many `$n` it binds.
#[derive(Clone, Debug)]
pub struct Prepared {
    sql: String,
    param_count: usize,
    /// Types announced by a Describe, which every later execution must follow.
    announced: Arc<Mutex<Option<Vec<Type>>>>,
}

pub struct Parser;

#[async_trait]
impl QueryParser for Parser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        Ok(Some(Prepared {
            sql: sql.trim().trim_end_matches(';').to_string(),
            param_count: params::count(sql),
            announced: Arc::new(Mutex::new(None)),
        }))
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        Ok(vec![Type::TEXT; stmt.param_count])
    }

    fn get_result_schema(
        &self,
        _stmt: &Prepared,
        _column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        // Only running the statement tells; the handler overrides the describe calls.
        Ok(vec![])
    }
}

struct Described {
    sql: String,
    at: Instant,
    executed: Executed,
}

pub struct Handler {
    session: EngineSession,
    parser: Arc<Parser>,
    /// The result a Describe computed, waiting for its Execute.
    described: Mutex<Option<Described>>,
    shared: Arc<Shared>,
    /// Set at the first statement, once startup has given the session its key.
    key: OnceLock<SessionKey>,
}

impl Drop for Handler {
    fn drop(&mut self) {
        if let Some(key) = self.key.get() {
            self.shared
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(key);
        }
    }
}

/// Statements answered here because Postgres clients send them and the engine has no
/// sessions or transactions: accepted and reported as done.
fn session_command(sql: &str) -> Option<Response> {
    let kw = params::first_keyword(sql);
    match kw.as_str() {
        "BEGIN" | "START" => Some(Response::TransactionStart(Tag::new("BEGIN"))),
        "COMMIT" | "END" => Some(Response::TransactionEnd(Tag::new("COMMIT"))),
        "ROLLBACK" | "ABORT" => Some(Response::TransactionEnd(Tag::new("ROLLBACK"))),
        "SET" | "RESET" | "DISCARD" | "DEALLOCATE" => Some(Response::Execution(Tag::new(&kw))),
        _ => None,
    }
}

fn returns_no_rows(sql: &str) -> bool {
    matches!(
        params::first_keyword(sql).as_str(),
        "INSERT" | "UPDATE" | "DELETE"
    )
}

/// Postgres's command tag: `INSERT 0 n`, `UPDATE n`, `DELETE n` (and `EXEC n`) with one
/// row per request sent; DDL as its statement, without a count (`CREATE VIEW`).
/// StackQL answers `OK` to everything; a real tag tells clients what happened.
fn mutation_tag(verb: &str, results: &[MutationResult]) -> Tag {
    let verb = verb.to_ascii_uppercase();
    if results.first().is_some_and(|m| {
        matches!(
            m.completion,
            Completion::Ddl | Completion::Refresh | Completion::Installed
        )
    }) {
        return Tag::new(&verb);
    }
    // User-table writes carry their statement's words (`INSERT INTO`, `DELETE FROM`).
    let word = verb.split_whitespace().next().unwrap_or_default();
    let tag = Tag::new(word).with_rows(results.len());
    if word == "INSERT" {
        tag.with_oid(0)
    } else {
        tag
    }
}

/// Notices for stderr in `exec` become NOTICE messages (psql prints them).
fn notices(executed: &Executed) -> Vec<String> {
    let mut out: Vec<String> = executed
        .notices
        .iter()
        .map(|n| format!("warning: {n}"))
        .collect();
    let incomplete = executed.incomplete_report();
    if !incomplete.is_empty() {
        out.push(incomplete.join("\n"));
    }
    // StackQL's message first, then what was sent: a NOTICE is only shown, never parsed.
    if let Outcome::Mutations(results) = &executed.outcome {
        for m in results {
            out.push(
                m.report_lines(true)
                    .iter()
                    .map(|l| l.trim())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
    }
    out
}

async fn send_notices<C>(client: &mut C, executed: &Executed) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for n in notices(executed) {
        let info = ErrorInfo::new(SEVERITY_NOTICE.into(), "00000".into(), n);
        client
            .feed(PgWireBackendMessage::NoticeResponse(NoticeResponse::from(
                info,
            )))
            .await?;
    }
    Ok(())
}

fn query_response(rs: &ResultSet, types: &[Type], format: &Format) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(types::fields(&rs.columns, types, format));
    let rows = types::encode(rs, fields.clone())?;
    Ok(QueryResponse::new(
        fields,
        stream::iter(rows.into_iter().map(Ok)),
    ))
}

fn response_for(
    executed: &Executed,
    sql: &str,
    types: Option<&[Type]>,
    format: &Format,
) -> PgWireResult<Response> {
    Ok(match &executed.outcome {
        Outcome::Rows(rs) => {
            let inferred;
            let types = match types {
                Some(t) if t.len() == rs.columns.len() => t,
                _ => {
                    inferred = types::infer(rs);
                    &inferred
                }
            };
            Response::Query(query_response(rs, types, format)?)
        }
        Outcome::Mutations(results) => {
            let verb = results
                .first()
                .map(|m| m.verb.to_string())
                .unwrap_or_else(|| params::first_keyword(sql));
            Response::Execution(mutation_tag(&verb, results))
        }
    })
}

impl Handler {
    /// Makes the session reachable by CancelRequests carrying its key.
    fn register<C: ClientInfo>(&self, client: &C) {
        self.key.get_or_init(|| {
            let (pid, secret) = client.pid_and_secret_key();
            let key = (pid, secret.to_bytes().to_vec());
            self.shared
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key.clone(), self.session.cancel_slot());
            key
        });
    }

    fn take_described(&self, sql: &str) -> Option<Executed> {
        let mut slot = self.described.lock().expect("describe cache lock");
        match slot.take() {
            Some(d) if d.sql == sql && d.at.elapsed() < CACHE_TTL => Some(d.executed),
            _ => None,
        }
    }

    /// Runs a statement for a Describe and keeps the result for the Execute.
    async fn describe_by_running(&self, sql: &str) -> PgWireResult<Vec<(String, Type)>> {
        let executed = self.session.execute(sql).await.map_err(|e| to_pgwire(&e))?;
        let columns = match &executed.outcome {
            Outcome::Rows(rs) => rs.columns.iter().cloned().zip(types::infer(rs)).collect(),
            Outcome::Mutations(_) => vec![],
        };
        *self.described.lock().expect("describe cache lock") = Some(Described {
            sql: sql.to_string(),
            at: Instant::now(),
            executed,
        });
        Ok(columns)
    }

    /// Columns of a statement with parameters, without values: NULLs under LIMIT 0.
    async fn describe_without_values(&self, stmt: &Prepared) -> PgWireResult<Vec<(String, Type)>> {
        let nulls = vec!["NULL".to_string(); stmt.param_count];
        let sql = params::substitute(&stmt.sql, &nulls).map_err(|m| user_error("08P01", m))?;
        let probe = format!("SELECT * FROM ({sql}) LIMIT 0");
        let executed = self
            .session
            .execute(&probe)
            .await
            .map_err(|e| to_pgwire(&e))?;
        Ok(match &executed.outcome {
            Outcome::Rows(rs) => rs.columns.iter().map(|c| (c.clone(), Type::TEXT)).collect(),
            Outcome::Mutations(_) => vec![],
        })
    }

    async fn describe(
        &self,
        stmt: &Prepared,
        bound_sql: Option<String>,
    ) -> PgWireResult<Vec<(String, Type)>> {
        // Under --dryrun every statement answers with its text, writes too.
        if session_command(&stmt.sql).is_some()
            || (returns_no_rows(&stmt.sql) && !self.shared.dry_run)
        {
            return Ok(vec![]);
        }
        // Described twice (statement, then portal): answer from the kept result.
        let key = bound_sql.clone().unwrap_or_else(|| stmt.sql.clone());
        if let Some(types) = stmt.announced.lock().expect("announced lock").clone() {
            if let Some(Described {
                sql,
                at,
                executed:
                    Executed {
                        outcome: Outcome::Rows(rs),
                        ..
                    },
            }) = self.described.lock().expect("describe cache lock").as_ref()
            {
                if *sql == key && at.elapsed() < CACHE_TTL && rs.columns.len() == types.len() {
                    return Ok(rs.columns.iter().cloned().zip(types).collect());
                }
            }
        }
        let columns = match bound_sql {
            Some(sql) => self.describe_by_running(&sql).await?,
            None if stmt.param_count == 0 => self.describe_by_running(&stmt.sql).await?,
            None => self.describe_without_values(stmt).await?,
        };
        *stmt.announced.lock().expect("announced lock") =
            Some(columns.iter().map(|c| c.1.clone()).collect());
        Ok(columns)
    }
}

fn bound_sql(portal: &Portal<Prepared>) -> PgWireResult<String> {
    let stmt = &portal.statement;
    if stmt.statement.param_count == 0 {
        return Ok(stmt.statement.sql.clone());
    }
    let mut literals = Vec::with_capacity(portal.parameter_len());
    for i in 0..portal.parameter_len() {
        let declared = stmt
            .parameter_types
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or(Type::TEXT);
        let literal = if declared == Type::INT2 {
            portal
                .parameter::<i16>(i, &declared)?
                .map(|v| v.to_string())
        } else if declared == Type::INT4 {
            portal
                .parameter::<i32>(i, &declared)?
                .map(|v| v.to_string())
        } else if declared == Type::INT8 {
            portal
                .parameter::<i64>(i, &declared)?
                .map(|v| v.to_string())
        } else if declared == Type::FLOAT4 {
            portal
                .parameter::<f32>(i, &declared)?
                .map(|v| v.to_string())
        } else if declared == Type::FLOAT8 {
            portal
                .parameter::<f64>(i, &declared)?
                .map(|v| v.to_string())
        } else if declared == Type::BOOL {
            portal
                .parameter::<bool>(i, &declared)?
                .map(|v| v.to_string())
        } else if declared == Type::TEXT || declared == Type::VARCHAR || declared == Type::UNKNOWN {
            portal
                .parameter::<String>(i, &declared)?
                .map(|v| params::text_literal(&v))
        } else {
            return Err(user_error(
                "0A000",
                format!("parameter ${} has type {declared}, which stackql srv does not accept; send it as text", i + 1),
            ));
        };
        literals.push(literal.unwrap_or_else(|| "NULL".to_string()));
    }
    params::substitute(&stmt.statement.sql, &literals).map_err(|m| user_error("08P01", m))
}

#[async_trait]
impl SimpleQueryHandler for Handler {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.register(&*client);
        let mut out = Vec::new();
        let statements = match stackql_sql::split_statements(query) {
            Ok(s) => s,
            Err(e) => {
                let e = crate::session::RunError::Engine(e.into());
                return Ok(vec![Response::Error(Box::new(error_info(&e)))]);
            }
        };
        for s in statements {
            if let Some(r) = session_command(&s.text) {
                out.push(r);
                continue;
            }
            match self.session.execute(&s.text).await {
                Ok(executed) => {
                    send_notices(client, &executed).await?;
                    out.push(response_for(
                        &executed,
                        &s.text,
                        None,
                        &Format::UnifiedText,
                    )?);
                }
                Err(e) => {
                    // Postgres runs no statement of the message after a failed one.
                    out.push(Response::Error(Box::new(error_info(&e))));
                    break;
                }
            }
        }
        if out.is_empty() {
            out.push(Response::EmptyQuery);
        }
        Ok(out)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Handler {
    type Statement = Prepared;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    async fn do_describe_statement<C>(
        &self,
        client: &mut C,
        target: &StoredStatement<Prepared>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let param_types = (0..target.statement.param_count)
            .map(|i| {
                target
                    .parameter_types
                    .get(i)
                    .cloned()
                    .flatten()
                    .unwrap_or(Type::TEXT)
            })
            .collect();
        self.register(&*client);
        let columns = self.describe(&target.statement, None).await?;
        let names: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
        let types: Vec<Type> = columns.into_iter().map(|c| c.1).collect();
        Ok(DescribeStatementResponse::new(
            param_types,
            types::fields(&names, &types, &Format::UnifiedText),
        ))
    }

    async fn do_describe_portal<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.register(&*client);
        let sql = bound_sql(portal)?;
        let columns = self
            .describe(&portal.statement.statement, Some(sql))
            .await?;
        let names: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
        let types: Vec<Type> = columns.into_iter().map(|c| c.1).collect();
        Ok(DescribePortalResponse::new(types::fields(
            &names,
            &types,
            &portal.result_column_format,
        )))
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.register(&*client);
        let stmt = &portal.statement.statement;
        if let Some(r) = session_command(&stmt.sql) {
            return Ok(r);
        }
        let sql = bound_sql(portal)?;
        let executed = match self.take_described(&sql) {
            Some(e) => e,
            None => self
                .session
                .execute(&sql)
                .await
                .map_err(|e| to_pgwire(&e))?,
        };
        send_notices(client, &executed).await?;
        let announced = stmt.announced.lock().expect("announced lock").clone();
        response_for(
            &executed,
            &sql,
            announced.as_deref(),
            &portal.result_column_format,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_differ() {
        assert_ne!(salt(16), salt(16));
        assert_eq!(salt(4).len(), 4);
    }

    #[test]
    fn session_commands_are_local() {
        assert!(session_command("SET extra_float_digits = 3").is_some());
        assert!(session_command("begin").is_some());
        assert!(session_command("SELECT 1").is_none());
        assert!(returns_no_rows(
            "/* c */ INSERT /*+ AWAIT */ INTO t SELECT 1"
        ));
    }

    #[test]
    fn mutation_tags_are_postgres_tags() {
        let done = |verb: &'static str, completion| MutationResult {
            verb,
            target: "t".into(),
            completion,
            operation: None,
            type_name: None,
            identifier: None,
            request_token: None,
            status: None,
            status_message: None,
            error_code: None,
            awaited: false,
        };
        let two = [
            done("INSERT", Completion::ProviderWrite),
            done("INSERT", Completion::ProviderWrite),
        ];
        assert_eq!(
            mutation_tag("INSERT", &two),
            Tag::new("INSERT").with_oid(0).with_rows(2)
        );
        assert_eq!(
            mutation_tag(
                "DELETE FROM",
                &[done("DELETE FROM", Completion::NativeExec)]
            ),
            Tag::new("DELETE").with_rows(1)
        );
        assert_eq!(
            mutation_tag("CREATE VIEW", &[done("CREATE VIEW", Completion::Ddl)]),
            Tag::new("CREATE VIEW")
        );
    }
}
