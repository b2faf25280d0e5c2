//! Secret-sharing pages (www/share, www/s): the share key that travels in the
//! link's URL fragment, the payload stream under it, the throw-away key pair
//! of a "request a secret" page, and the rules of src/share_link (payload
//! metadata, limits, links, request answers). docs/SPEC.md § Sharing pages.
//!
//! Errors from those rules are JS `Error`s with the core's message and a
//! stable `code` (`ShareError::code`), so a page can choose its own wording.

use crate::attachment::AttachmentKey;
use crate::share_link::{self as sl, ShareError};
use crate::sharing::KeyPair;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::attachment::{AttachmentDecryptor, AttachmentEncryptor};
use super::js_err;

fn share_err(e: ShareError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

/// A JS number that is a whole, non-negative, exactly held integer; anything
/// else (NaN, 2.5, -1) becomes `u64::MAX`, which every limit refuses.
fn whole(x: f64) -> u64 {
    if x.is_finite() && x.fract() == 0.0 && (0.0..=sl::MAX_TIMESTAMP as f64).contains(&x) {
        x as u64
    } else {
        u64::MAX
    }
}

fn views(x: f64) -> u32 {
    u32::try_from(whole(x)).unwrap_or(u32::MAX)
}

/// `{expiryMinSecs, expiryMaxSecs, viewsMax, maxTextBytes, maxFileBytes}`
/// for the pages' hints and messages.
#[wasm_bindgen(js_name = shareLimits)]
pub fn share_limits() -> Result<Object, JsValue> {
    let out = Object::new();
    for (name, value) in [
        ("expiryMinSecs", sl::EXPIRY_MIN_SECS as f64),
        ("expiryMaxSecs", sl::EXPIRY_MAX_SECS as f64),
        ("viewsMax", f64::from(sl::VIEWS_MAX)),
        ("maxTextBytes", sl::MAX_TEXT_BYTES as f64),
        ("maxFileBytes", sl::MAX_FILE_BYTES as f64),
    ] {
        Reflect::set(&out, &name.into(), &value.into())?;
    }
    Ok(out)
}

/// Throws (`code` `lifetime` or `views`) unless a sender's choices are allowed.
#[wasm_bindgen(js_name = checkShareChoices)]
pub fn check_share_choices(lifetime_secs: f64, max_views: f64) -> Result<(), JsValue> {
    sl::check_lifetime(whole(lifetime_secs)).map_err(share_err)?;
    sl::check_views(views(max_views)).map_err(share_err)
}

/// Throws (`empty_text`, `text_too_long`, `text_not_utf8`) unless `text` can be shared.
#[wasm_bindgen(js_name = checkShareText)]
pub fn check_share_text(text: &[u8]) -> Result<(), JsValue> {
    sl::check_text(text).map_err(share_err)
}

/// Throws (`file_too_large`) for a file past the limit, before anything is read.
#[wasm_bindgen(js_name = checkShareFileSize)]
pub fn check_share_file_size(size: f64) -> Result<(), JsValue> {
    sl::check_file_size(whole(size)).map_err(share_err)
}

/// What the sender chose, to be bound inside the payload.
#[wasm_bindgen]
pub struct ShareMeta(sl::ShareMeta);

#[wasm_bindgen]
impl ShareMeta {
    /// `nowSecs`: the sender's clock, unix seconds.
    pub fn text(
        max_views: f64,
        lifetime_secs: f64,
        now_secs: f64,
        passphrase: bool,
    ) -> Result<ShareMeta, JsValue> {
        sl::ShareMeta::text(
            views(max_views),
            whole(lifetime_secs),
            whole(now_secs),
            passphrase,
        )
        .map(ShareMeta)
        .map_err(share_err)
    }

    pub fn file(
        name: Option<String>,
        size: f64,
        max_views: f64,
        lifetime_secs: f64,
        now_secs: f64,
        passphrase: bool,
    ) -> Result<ShareMeta, JsValue> {
        let (views, lifetime, now) = (views(max_views), whole(lifetime_secs), whole(now_secs));
        sl::ShareMeta::file(name, whole(size), views, lifetime, now, passphrase)
            .map(ShareMeta)
            .map_err(share_err)
    }

    /// `u32be(len(meta)) || meta`, for a body streamed after it (a file without passphrase).
    #[wasm_bindgen(js_name = encodePrefix)]
    pub fn encode_prefix(&self) -> Result<Vec<u8>, JsValue> {
        sl::encode_prefix(&self.0).map_err(share_err)
    }

    /// The whole plaintext of `content`, behind `passphrase` if the metadata says so.
    #[wasm_bindgen(js_name = encodePayload)]
    pub fn encode_payload(
        &self,
        content: Vec<u8>,
        passphrase: Option<String>,
    ) -> Result<Uint8Array, JsValue> {
        let content = zeroize::Zeroizing::new(content);
        let passphrase = passphrase.map(zeroize::Zeroizing::new);
        let plain =
            sl::encode_payload(&self.0, &content, passphrase.as_deref().map(String::as_str))
                .map_err(share_err)?;
        Ok(Uint8Array::from(plain.as_slice()))
    }
}

/// A decrypted, parsed share (`ShareKey.openPayload`).
#[wasm_bindgen]
pub struct SharePayload(sl::SharePayload);

#[wasm_bindgen]
impl SharePayload {
    /// `"text"` or `"file"`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        if self.0.meta().is_text() {
            "text"
        } else {
            "file"
        }
        .into()
    }

    #[wasm_bindgen(getter, js_name = maxViews)]
    pub fn max_views(&self) -> u32 {
        self.0.meta().max_views()
    }

    /// Unix seconds, by the sender's clock.
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> f64 {
        self.0.meta().expires_at() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn passphrase(&self) -> bool {
        self.0.meta().passphrase()
    }

    /// The sender's file name (file shares; may be absent).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> Option<String> {
        self.0.meta().name().map(str::to_owned)
    }

    /// Whether the server's `views_left` and `expires_at` kept the sender's
    /// limits; a missing or non-integer value does not.
    #[wasm_bindgen(js_name = limitsMatch)]
    pub fn limits_match(&self, views_left: Option<f64>, expires_at: Option<f64>) -> bool {
        let int = |x: Option<f64>| {
            x.filter(|v| v.is_finite() && v.fract() == 0.0 && v.abs() <= sl::MAX_TIMESTAMP as f64)
                .map(|v| v as i64)
        };
        match (int(views_left), int(expires_at)) {
            (Some(v), Some(e)) => self.0.meta().limits_match(v, e),
            _ => false,
        }
    }

    /// The content of a share without a passphrase.
    pub fn content(&self) -> Result<Uint8Array, JsValue> {
        self.0.content().map(Uint8Array::from).map_err(share_err)
    }

    /// The content behind the passphrase (`code` `wrong_passphrase`: try again,
    /// locally; no further view is used).
    pub fn unlock(&self, passphrase: String) -> Result<Uint8Array, JsValue> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let content = self.0.unlock(&passphrase).map_err(share_err)?;
        Ok(Uint8Array::from(content.as_slice()))
    }
}

/// A share's key: 32 random bytes, one per share, held in WASM memory.
#[wasm_bindgen]
pub struct ShareKey(AttachmentKey);

#[wasm_bindgen]
impl ShareKey {
    /// A fresh key from the platform CSPRNG.
    pub fn generate() -> Result<ShareKey, JsError> {
        AttachmentKey::generate().map(ShareKey).map_err(js_err)
    }

    /// The share link `origin/s/#<id>.<key>`. The one place a share key leaves
    /// WASM: the link *is* the capability, and the fragment never reaches a server.
    pub fn link(&self, origin: &str, share_id: &str) -> Result<String, JsValue> {
        sl::link::share_link(origin, share_id, &self.0)
            .map(|l| l.as_str().to_owned())
            .map_err(share_err)
    }

    /// A push/finish stream that encrypts the payload under this key.
    pub fn encryptor(&self) -> Result<AttachmentEncryptor, JsError> {
        AttachmentEncryptor::with_context(&self.0, &sl::context().map_err(js_err)?)
    }

    /// A push/finish stream that decrypts and authenticates the payload.
    pub fn decryptor(&self) -> Result<AttachmentDecryptor, JsError> {
        Ok(AttachmentDecryptor::with_context(
            &self.0,
            &sl::context().map_err(js_err)?,
        ))
    }

    /// Decrypts the server's `ciphertext` (base64url) and parses the payload.
    #[wasm_bindgen(js_name = openPayload)]
    pub fn open_payload(&self, ciphertext: &str) -> Result<SharePayload, JsValue> {
        sl::open_payload(&self.0, ciphertext)
            .map(SharePayload)
            .map_err(share_err)
    }
}

/// A link fragment as read by `parseShareFragment`.
#[wasm_bindgen]
pub struct ShareFragment(sl::Fragment);

#[wasm_bindgen]
impl ShareFragment {
    /// `"share"`, `"request"` or `"delete"`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        match self.0 {
            sl::Fragment::Share { .. } => "share",
            sl::Fragment::Request { .. } => "request",
            sl::Fragment::Delete { .. } => "delete",
        }
        .into()
    }

    /// The share's or request's id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.0.id().to_owned()
    }

    /// A share link's key.
    #[wasm_bindgen(js_name = shareKey)]
    pub fn share_key(&self) -> Option<ShareKey> {
        match &self.0 {
            sl::Fragment::Share { key, .. } => Some(ShareKey(key.clone())),
            _ => None,
        }
    }

    /// A request link's public key (32 bytes).
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Option<Vec<u8>> {
        match &self.0 {
            sl::Fragment::Request { public_key, .. } => Some(public_key.to_vec()),
            _ => None,
        }
    }

    /// A delete link's token (sent as `X-Delete-Token`).
    #[wasm_bindgen(getter, js_name = deleteToken)]
    pub fn delete_token(&self) -> Option<String> {
        match &self.0 {
            sl::Fragment::Delete { token, .. } => Some(token.as_str().to_owned()),
            _ => None,
        }
    }
}

/// Reads a link fragment (without `#`); `undefined` for anything that is not
/// a share, delete or request link.
#[wasm_bindgen(js_name = parseShareFragment)]
pub fn parse_share_fragment(fragment: &str) -> Option<ShareFragment> {
    sl::parse_fragment(fragment).ok().map(ShareFragment)
}

/// The delete link `origin/s/#d.<id>.<token>`.
#[wasm_bindgen(js_name = deleteShareLink)]
pub fn delete_share_link(origin: &str, share_id: &str, token: &str) -> Result<String, JsValue> {
    sl::link::delete_link(origin, share_id, token)
        .map(|l| l.as_str().to_owned())
        .map_err(share_err)
}

/// Seals `text` as the answer to request `requestId` (`code` `text_too_long`
/// for more than the limit).
#[wasm_bindgen(js_name = sealRequestAnswer)]
pub fn seal_request_answer(
    public_key: &[u8],
    request_id: &str,
    text: String,
) -> Result<String, JsValue> {
    let text = zeroize::Zeroizing::new(text);
    let pk: [u8; 32] = public_key
        .try_into()
        .map_err(|_| share_err(crate::Error::InvalidPublicKey.into()))?;
    sl::request::seal_answer(&pk, request_id, &text).map_err(share_err)
}

/// The key pair of one "request a secret" page: made in the requester's
/// browser, kept only in this page's WASM memory, gone when the page closes.
#[wasm_bindgen]
pub struct RequestKeyPair(KeyPair);

#[wasm_bindgen]
impl RequestKeyPair {
    pub fn generate() -> Result<RequestKeyPair, JsError> {
        KeyPair::generate().map(RequestKeyPair).map_err(js_err)
    }

    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key_bytes().to_vec()
    }

    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint()
    }

    /// The request link `origin/s/#r.<id>.<public key>`.
    #[wasm_bindgen(js_name = requestLink)]
    pub fn request_link(&self, origin: &str, request_id: &str) -> Result<String, JsValue> {
        sl::link::request_link(origin, request_id, &self.0.public_key_bytes()).map_err(share_err)
    }

    /// Opens the answer to request `requestId`: its text.
    #[wasm_bindgen(js_name = openAnswer)]
    pub fn open_answer(&self, request_id: &str, sealed: &str) -> Result<String, JsValue> {
        sl::request::open_answer(&self.0, request_id, sealed)
            .map(|t| t.expose_secret().to_owned())
            .map_err(share_err)
    }
}
