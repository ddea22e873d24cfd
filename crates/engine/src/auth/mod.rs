//! The auth seam: what a finished HTTP request gets just before it is sent, chosen per
//! provider by provider.yaml's `config.auth` or the provider's `--auth` entry
//! (`scheme.rs`): SigV4 with AWS credentials from the full standard chain, refreshed
//! before they expire (`refresh.rs`, `stackql_aws_auth::resolve_with_chain`), a basic,
//! bearer, api_key or custom token (`secret.rs`), or nothing. An unsupported type or
//! unusable credentials refuse the request: nothing unauthenticated is sent in their place.
//! Everything is resolved on a provider's first call, so dry runs and invalid statements
//! never need credentials. The caller checks the request's endpoint first
//! (`PreparedRequest::check_endpoint`), so credentials only reach their own provider's
//! servers or an explicit override.

mod refresh;
mod scheme;
mod secret;

use crate::error::CallError;
use crate::plan::request::PreparedRequest;
use crate::EnvLookup;
use refresh::{Clock, RefreshingCredentials, Resolve};
use scheme::{Place, Scheme, TokenAuth};
use secret::Secret;
use serde_json::Value;
use stackql_registry::Registry;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// The authenticators of one engine, one per provider, made on its first call.
pub(crate) struct Authenticator {
    registry: Arc<Registry>,
    /// The whole `--auth` JSON, keyed by provider name.
    flag: Option<Value>,
    env: EnvLookup,
    clock: Clock,
    providers: Mutex<HashMap<String, Arc<ProviderAuth>>>,
}

struct ProviderAuth {
    scheme: Result<Scheme, String>,
    /// For `aws_signing_v4`.
    aws: Option<RefreshingCredentials>,
    /// For token schemes: read once.
    token: OnceLock<Result<Secret, String>>,
}

impl Authenticator {
    pub(crate) fn new(registry: Arc<Registry>, flag: Option<Value>, env: EnvLookup) -> Self {
        Authenticator {
            registry,
            flag,
            env,
            clock: Arc::new(SystemTime::now),
            providers: Mutex::new(HashMap::new()),
        }
    }

    /// Authenticates `http_req`, built from `req`, in place; an error means it must not
    /// be sent.
    pub(crate) async fn apply(
        &self,
        req: &PreparedRequest,
        http_req: &mut http::Request<Vec<u8>>,
    ) -> Result<(), CallError> {
        let auth = self.for_provider(req);
        let scheme = auth
            .scheme
            .as_ref()
            .map_err(|e| CallError::Refused(e.clone()))?;
        match scheme {
            Scheme::Null => Ok(()),
            Scheme::AwsSigV4 { .. } => {
                let service = req.signing_service.as_deref().ok_or_else(|| {
                    CallError::Refused(format!(
                        "{}: provider '{}' signs its calls with aws_signing_v4, but the service \
                         document names no signing service; nothing was sent",
                        req.label, req.provider
                    ))
                })?;
                // A global service's endpoint has no region; AWS signs those for us-east-1.
                let region = req
                    .region
                    .as_deref()
                    .unwrap_or(stackql_aws_auth::DEFAULT_REGION);
                let creds = auth
                    .aws
                    .as_ref()
                    .expect("an aws_signing_v4 provider has a credential cache")
                    .get()
                    .await
                    .map_err(|e| CallError::Refused(format!("AWS credentials: {e}")))?;
                stackql_aws_auth::sign(http_req, &creds, region, service, SystemTime::now())
                    .map_err(|e| CallError::Refused(format!("cannot sign the request: {e}")))
            }
            Scheme::Token(t) => {
                let token = auth
                    .token
                    .get_or_init(|| secret::token(&req.provider, t, &self.env))
                    .clone()
                    .map_err(CallError::Refused)?;
                place_token(&req.provider, t, &token, http_req).map_err(CallError::Refused)
            }
        }
    }

    fn for_provider(&self, req: &PreparedRequest) -> Arc<ProviderAuth> {
        let mut providers = self.providers.lock().expect("auth lock");
        if let Some(p) = providers.get(&req.provider) {
            return p.clone();
        }
        let scheme = self
            .registry
            .provider(&req.provider)
            .map_err(|e| e.to_string())
            .and_then(|p| {
                let flag_entry = self.flag.as_ref().and_then(|f| f.get(&req.provider));
                scheme::choose(
                    &req.provider,
                    flag_entry,
                    p.auth.as_ref(),
                    req.signing_service.is_some(),
                )
            });
        let aws = match &scheme {
            Ok(Scheme::AwsSigV4 { entry }) => Some(RefreshingCredentials::new(
                aws_resolver(entry.clone(), self.env.clone()),
                self.clock.clone(),
            )),
            _ => None,
        };
        let auth = Arc::new(ProviderAuth {
            scheme,
            aws,
            token: OnceLock::new(),
        });
        providers.insert(req.provider.clone(), auth.clone());
        auth
    }
}

/// StackQL's `--auth` forms first (`keyIDenvvar`, ... as before), then the AWS chain.
fn aws_resolver(entry: Option<Value>, env: EnvLookup) -> Resolve {
    Arc::new(move || {
        let resolving = stackql_aws_auth::resolve_with_chain(entry.as_ref(), &|k| env(k));
        Box::pin(async move { resolving.await.map_err(|e| e.to_string()) })
    })
}

/// Writes `prefix + token` where the scheme says. The header is marked sensitive, so
/// the HTTP stack never prints it.
fn place_token(
    provider: &str,
    auth: &TokenAuth,
    token: &Secret,
    http_req: &mut http::Request<Vec<u8>>,
) -> Result<(), String> {
    let invalid = || {
        format!(
            "the {} credential of provider '{provider}' cannot be sent: it holds characters \
             not allowed in an HTTP header",
            auth.kind
        )
    };
    match &auth.place {
        Place::Header(name) => {
            let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                format!("provider '{provider}': \"{name}\" is not a valid header name")
            })?;
            let mut value =
                http::HeaderValue::from_str(&format!("{}{}", auth.prefix, token.expose()))
                    .map_err(|_| invalid())?;
            value.set_sensitive(true);
            http_req.headers_mut().insert(name, value);
        }
        Place::Query(name) => {
            let mut url = url::Url::parse(&http_req.uri().to_string())
                .map_err(|e| format!("provider '{provider}': cannot add the credential: {e}"))?;
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != name)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair(name, token.expose());
            *http_req.uri_mut() = url.as_str().parse().map_err(|_| {
                format!("provider '{provider}': cannot add the credential to the URL")
            })?;
        }
    }
    Ok(())
}
