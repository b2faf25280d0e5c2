//! OpenAPI 3.1 document at `/api/v1/openapi.json`.
//!
//! Schemas come from the request/response types themselves (`utoipa::ToSchema`
//! derives), so field names and types cannot drift from the code. Operations
//! are listed in `OPERATIONS`; a test calls every listed route on the real
//! router, so a listed path that does not exist fails the build's tests.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, Parameter, ParameterIn, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{IntoParams, OpenApi};

use crate::app::AppState;
use crate::audit::{EntryDoc, Verification};
use crate::error::ApiResult;
use crate::roles::Role;
use crate::routes::accounts::{
    AccountKeys, ChangePasswordRequest, DeleteAccountRequest, IdentityUpload, Kdf, LoginRequest,
    LoginResponse, LookupRequest, LookupResponse, PreloginRequest, PreloginResponse,
    RegisterRequest, VaultListBody,
};
use crate::routes::folders::{CreateFolder, FolderView, UpdateFolder};
use crate::routes::items::{BaseRevision, CreateItem, HistoryEntry, ItemView, UpdateItem};
use crate::routes::members::{MemberView, OwnKey, Rewrapped, RotateRequest, UpsertMember};
use crate::routes::overview_snapshot::{OverviewSnapshot, PutOverviewSnapshot, SnapshotRevision};
use crate::routes::share_requests::{
    CollectedAnswer, CreateShareRequest, CreatedShareRequest, ShareRequestAnswer,
};
use crate::routes::shares::{CreateShare, CreatedShare, OpenedShare};
use crate::routes::sync::{AttachmentView, Removed, SyncItem, SyncQuery, SyncResponse};
use crate::routes::tokens::{CreateToken, CreatedToken, Grant};
use crate::routes::vaults::{CreateVault, RenameVault, VaultView};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Blindvault API",
        description = "Zero-knowledge vault server: every envelope is opaque ciphertext."
    ),
    components(schemas(
        Kdf,
        RegisterRequest,
        PreloginRequest,
        PreloginResponse,
        LoginRequest,
        LoginResponse,
        AccountKeys,
        ChangePasswordRequest,
        DeleteAccountRequest,
        LookupRequest,
        LookupResponse,
        IdentityUpload,
        VaultListBody,
        CreateVault,
        RenameVault,
        VaultView,
        Role,
        MemberView,
        UpsertMember,
        OwnKey,
        RotateRequest,
        Rewrapped,
        CreateFolder,
        UpdateFolder,
        FolderView,
        CreateItem,
        UpdateItem,
        BaseRevision,
        ItemView,
        HistoryEntry,
        OverviewSnapshot,
        PutOverviewSnapshot,
        SnapshotRevision,
        SyncResponse,
        SyncItem,
        Removed,
        AttachmentView,
        CreateShare,
        CreatedShare,
        OpenedShare,
        CreateShareRequest,
        CreatedShareRequest,
        ShareRequestAnswer,
        CollectedAnswer,
        CreateToken,
        CreatedToken,
        Grant,
        EntryDoc,
        Verification
    ))
)]
struct ApiDoc;

/// (method, path under /api/v1, summary, request schema, success status, response schema, needs auth)
pub type Operation = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    bool,
);

pub const OPERATIONS: &[Operation] = &[
    (
        "POST",
        "/accounts",
        "Register an account",
        Some("RegisterRequest"),
        "201",
        None,
        false,
    ),
    (
        "POST",
        "/accounts/prelogin",
        "KDF parameters for an email (made-up for unknown emails)",
        Some("PreloginRequest"),
        "200",
        Some("PreloginResponse"),
        false,
    ),
    (
        "POST",
        "/accounts/login",
        "Log in with the auth key; returns a session token and wrapped keys",
        Some("LoginRequest"),
        "200",
        Some("LoginResponse"),
        false,
    ),
    (
        "POST",
        "/accounts/logout",
        "Revoke this session",
        None,
        "204",
        None,
        true,
    ),
    (
        "DELETE",
        "/accounts/sessions",
        "Revoke every session of the account",
        None,
        "204",
        None,
        true,
    ),
    (
        "GET",
        "/accounts/me",
        "The caller's account and wrapped keys",
        None,
        "200",
        Some("AccountKeys"),
        true,
    ),
    (
        "DELETE",
        "/accounts/me",
        "Delete the account",
        Some("DeleteAccountRequest"),
        "204",
        None,
        true,
    ),
    (
        "POST",
        "/accounts/me/password",
        "Change the master password (atomic swap; other sessions revoked)",
        Some("ChangePasswordRequest"),
        "204",
        None,
        true,
    ),
    (
        "PUT",
        "/accounts/me/identity",
        "Publish the identity of an account made before identities (once)",
        Some("IdentityUpload"),
        "204",
        None,
        true,
    ),
    (
        "GET",
        "/accounts/me/vault-list",
        "The account's sealed vault list",
        None,
        "200",
        Some("VaultListBody"),
        true,
    ),
    (
        "PUT",
        "/accounts/me/vault-list",
        "Replace the sealed vault list (base_revision; 409 when stale)",
        Some("VaultListBody"),
        "200",
        None,
        true,
    ),
    (
        "POST",
        "/accounts/lookup",
        "Identity of an account by email (for invitations); an unknown email gets a stable decoy, never 404",
        Some("LookupRequest"),
        "200",
        Some("LookupResponse"),
        true,
    ),
    (
        "GET",
        "/vaults",
        "Vaults visible to the caller",
        None,
        "200",
        None,
        true,
    ),
    (
        "POST",
        "/vaults",
        "Create a vault (caller becomes owner)",
        Some("CreateVault"),
        "201",
        Some("VaultView"),
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}",
        "Rename a vault (admin)",
        Some("RenameVault"),
        "200",
        None,
        true,
    ),
    (
        "DELETE",
        "/vaults/{vault}",
        "Delete a vault (owner)",
        None,
        "204",
        None,
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/members",
        "Members and roles (read)",
        None,
        "200",
        None,
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}/members/{account}",
        "Add a member or change a role (admin; owner for owners)",
        Some("UpsertMember"),
        "200",
        None,
        true,
    ),
    (
        "DELETE",
        "/vaults/{vault}/members/{account}",
        "Remove a member (admin) or leave; query base_revision",
        None,
        "200",
        None,
        true,
    ),
    (
        "POST",
        "/vaults/{vault}/rotate",
        "Rotate the vault key: all re-wrapped keys and items in one transaction",
        Some("RotateRequest"),
        "200",
        None,
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/log",
        "The vault's member log, oldest first (read)",
        None,
        "200",
        None,
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}/key",
        "Replace the caller's own copy of the vault key (after accepting it)",
        Some("OwnKey"),
        "200",
        None,
        true,
    ),
    (
        "POST",
        "/vaults/{vault}/folders",
        "Create a folder (write)",
        Some("CreateFolder"),
        "201",
        Some("FolderView"),
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}/folders/{folder}",
        "Update a folder (write; 409 if stale)",
        Some("UpdateFolder"),
        "200",
        Some("FolderView"),
        true,
    ),
    (
        "DELETE",
        "/vaults/{vault}/folders/{folder}",
        "Delete a folder (write); query base_revision",
        None,
        "204",
        None,
        true,
    ),
    (
        "POST",
        "/vaults/{vault}/items",
        "Create an item (write)",
        Some("CreateItem"),
        "201",
        Some("ItemView"),
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/items/{item}",
        "Read an item (read)",
        None,
        "200",
        Some("ItemView"),
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}/items/{item}",
        "Update an item (write; 409 with `current` if stale)",
        Some("UpdateItem"),
        "200",
        Some("ItemView"),
        true,
    ),
    (
        "DELETE",
        "/vaults/{vault}/items/{item}",
        "Delete a trashed item for good (write); query base_revision",
        None,
        "204",
        None,
        true,
    ),
    (
        "POST",
        "/vaults/{vault}/items/{item}/trash",
        "Move to trash (write)",
        Some("BaseRevision"),
        "200",
        Some("ItemView"),
        true,
    ),
    (
        "POST",
        "/vaults/{vault}/items/{item}/restore",
        "Restore from trash (write)",
        Some("BaseRevision"),
        "200",
        Some("ItemView"),
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/items/{item}/history",
        "Last 20 older envelopes (read)",
        None,
        "200",
        None,
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/overview-snapshot",
        "The vault's overview snapshot (read; 404 not_found when none)",
        None,
        "200",
        Some("OverviewSnapshot"),
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}/overview-snapshot",
        "Replace the overview snapshot (write; base_revision 0 = none yet; 409 with current.revision if stale; up to 16 MiB)",
        Some("PutOverviewSnapshot"),
        "200",
        Some("SnapshotRevision"),
        true,
    ),
    (
        "PUT",
        "/vaults/{vault}/items/{item}/attachments/{att}",
        "Upload attachment ciphertext (streamed; write)",
        None,
        "201",
        None,
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/items/{item}/attachments/{att}",
        "Download attachment ciphertext (read)",
        None,
        "200",
        None,
        true,
    ),
    (
        "DELETE",
        "/vaults/{vault}/items/{item}/attachments/{att}",
        "Delete an attachment (write)",
        None,
        "204",
        None,
        true,
    ),
    (
        "GET",
        "/sync",
        "Everything visible, or changes since `?since=<cursor>`; `?envelopes=false` leaves out item envelopes",
        None,
        "200",
        Some("SyncResponse"),
        true,
    ),
    (
        "POST",
        "/shares",
        "Create a secret share",
        Some("CreateShare"),
        "201",
        Some("CreatedShare"),
        true,
    ),
    (
        "POST",
        "/shares/{id}/open",
        "Open a share, consuming one view",
        None,
        "200",
        Some("OpenedShare"),
        false,
    ),
    (
        "DELETE",
        "/shares/{id}",
        "Delete a share (header X-Delete-Token)",
        None,
        "204",
        None,
        false,
    ),
    (
        "POST",
        "/share-requests",
        "Open a request-a-secret slot",
        Some("CreateShareRequest"),
        "201",
        Some("CreatedShareRequest"),
        true,
    ),
    (
        "POST",
        "/share-requests/{id}/answer",
        "Answer a request once (HPKE-sealed in the browser); 404 for every refusal",
        Some("ShareRequestAnswer"),
        "204",
        None,
        false,
    ),
    (
        "POST",
        "/share-requests/{id}/collect",
        "The answer, once (then the slot is deleted), or null (owner)",
        None,
        "200",
        Some("CollectedAnswer"),
        true,
    ),
    (
        "DELETE",
        "/share-requests/{id}",
        "Cancel a request slot (owner)",
        None,
        "204",
        None,
        true,
    ),
    (
        "GET",
        "/tokens",
        "Service tokens in vaults the caller administers",
        None,
        "200",
        None,
        true,
    ),
    (
        "POST",
        "/tokens",
        "Create a service token (admin of every granted vault)",
        Some("CreateToken"),
        "201",
        Some("CreatedToken"),
        true,
    ),
    (
        "DELETE",
        "/tokens/{id}",
        "Revoke a service token",
        None,
        "204",
        None,
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/audit",
        "Audit entries of a vault (admin)",
        None,
        "200",
        None,
        true,
    ),
    (
        "GET",
        "/vaults/{vault}/audit/verify",
        "Recompute the vault's audit chain (admin)",
        None,
        "200",
        Some("Verification"),
        true,
    ),
];

/// Query parameters of an operation, from the handler's own query type.
fn query_params(method: &str, path: &str) -> Option<Vec<Parameter>> {
    match (method, path) {
        ("GET", "/sync") => Some(SyncQuery::into_params(|| Some(ParameterIn::Query))),
        _ => None,
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let mut paths = Paths::new();
    for (method, path, summary, req, status, resp, auth) in OPERATIONS {
        let mut op = OperationBuilder::new()
            .summary(Some(*summary))
            .parameters(query_params(method, path));
        if let Some(r) = req {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(*r)))
                            .build(),
                    )
                    .build(),
            ));
        }
        let mut ok = ResponseBuilder::new().description("success");
        if let Some(r) = resp {
            ok = ok.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(*r)))
                    .build(),
            );
        }
        op = op
            .response(*status, ok.build())
            .response(
                "400",
                ResponseBuilder::new()
                    .description("invalid input: {error, message}")
                    .build(),
            )
            .response(
                "409",
                ResponseBuilder::new()
                    .description("stale revision: {error, message, current}")
                    .build(),
            );
        if *auth {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        let method = match *method {
            "GET" => HttpMethod::Get,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            _ => HttpMethod::Post,
        };
        paths.add_path_operation(format!("/api/v1{path}"), vec![method], op.build());
    }
    doc.paths = paths;
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
    doc
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

async fn openapi_json() -> ApiResult<Json<utoipa::openapi::OpenApi>> {
    Ok(Json(document()))
}
