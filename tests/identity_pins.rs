//! An identity against a device's pin (docs/SPEC.md § Fingerprints): the
//! rule `bv`, the web vault and the extension all take from the core.
#![allow(clippy::unwrap_used)]

mod common;

use blindvault::encoding::b64u_encode;
use blindvault::identity::{Identity, PinState, SigningKey};

#[test]
fn pins_match_only_the_same_statement_or_an_old_pin_of_the_same_key() {
    let ann = common::person("ann");
    let id = ann.identity().unwrap();
    assert_eq!(id.pin_state(None), PinState::New);
    assert_eq!(id.pin_state(Some(id.as_str())), PinState::Matches);
    // A pin from before identities: the bare X25519 key.
    let bare = b64u_encode(id.x25519());
    assert_eq!(id.pin_state(Some(&bare)), PinState::MatchesOldPin);

    // The same account and email with another signing key, or another
    // X25519 key: a server swapping keys. Changed either way.
    let other_sk = SigningKey::generate().unwrap();
    let same_x = Identity::issue(id.account_id(), id.email(), id.x25519(), &other_sk).unwrap();
    assert_eq!(id.pin_state(Some(same_x.as_str())), PinState::Changed);
    // An old pin named only the X25519 key, so any statement with that key
    // matches it, and is then pinned whole.
    assert_eq!(same_x.pin_state(Some(&bare)), PinState::MatchesOldPin);
    let other_x = Identity::issue(id.account_id(), id.email(), &[7; 32], &other_sk).unwrap();
    assert_eq!(other_x.pin_state(Some(id.as_str())), PinState::Changed);
    assert_eq!(other_x.pin_state(Some(&bare)), PinState::Changed);
    // Anything else stored is no pin of this identity.
    for junk in ["", "bv1-id.", &bare[1..], &format!("bv1-id.{bare}")] {
        assert_eq!(id.pin_state(Some(junk)), PinState::Changed, "{junk:?}");
    }
}
