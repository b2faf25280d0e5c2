//! Vault roles, ordered by power: read < write < admin < owner.
//!
//! | action                                   | least role |
//! |------------------------------------------|-----------|
//! | sync, read items/folders/history/files   | read      |
//! | create/update/trash/restore/purge items  | write     |
//! | members, rename, rotate, tokens, audit   | admin     |
//! | delete vault, grant or remove owner      | owner     |

use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Read,
    Write,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Write => "write",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "read" => Some(Role::Read),
            "write" => Some(Role::Write),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}
