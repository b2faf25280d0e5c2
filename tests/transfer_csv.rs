//! CSV import files into import records (src/transfer/csv.rs,
//! docs/SPEC.md § Import files): the headers Bitwarden, Chrome and Firefox
//! write, RFC 4180 quoting, and what is refused.
#![cfg(feature = "transfer")]

use blindvault::transfer::{csv, TransferError};
use serde_json::{json, Value};

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn bitwarden_csv() {
    // Bitwarden's "Export vault" as .csv (personal vault), CRLF line ends.
    let text = "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\r\n\
        Work,1,login,GitLab,\"two lines\nof notes\",\"PIN: 4471\nregion: eu-west\",0,https://gitlab.com/users/sign_in,ann,\" pw with spaces \",JBSWY3DPEHPK3PXP\r\n\
        ,,note,Alarm code,1234#,,0,,,,\r\n";
    let p = csv::parse(text).unwrap();
    assert_eq!(p.records.len(), 2);
    let r = &p.records[0];
    assert_eq!(r.folder.as_deref(), Some("Work"));
    assert_eq!(
        r.overview,
        obj(
            json!({"kind": "login", "name": "GitLab", "url": "https://gitlab.com/users/sign_in", "username": "ann"})
        )
    );
    assert_eq!(
        r.details,
        obj(json!({
            "password": " pw with spaces ",
            "totp": "JBSWY3DPEHPK3PXP",
            "notes": "two lines\nof notes",
            "custom": [
                {"label": "PIN", "value": "4471", "secret": false},
                {"label": "region", "value": "eu-west", "secret": false}
            ]
        }))
    );
    let n = &p.records[1];
    assert_eq!(n.folder, None);
    assert_eq!(
        n.overview,
        obj(json!({"kind": "note", "name": "Alarm code"}))
    );
    assert_eq!(n.details, obj(json!({"notes": "1234#"})));
    // The favourite flag is not a field of ours, and is said to be left out.
    assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    assert!(p.notes[0].contains("favorite, reprompt"), "{:?}", p.notes);
}

#[test]
fn chrome_csv() {
    let text = "name,url,username,password,note\n\
        accounts.google.com,https://accounts.google.com/signin,ann@gmail.com,\"p,w\"\"1\",\n\
        \"shop, inc\",https://shop.example/login,ann,hunter2,\"line 1\nline 2\"\n";
    let p = csv::parse(text).unwrap();
    assert_eq!(p.records.len(), 2);
    assert!(p.notes.is_empty());
    assert_eq!(p.records[0].details, obj(json!({"password": "p,w\"1"})));
    assert_eq!(p.records[1].overview["name"], "shop, inc");
    assert_eq!(p.records[1].details["notes"], "line 1\nline 2");
}

#[test]
fn firefox_csv_without_a_name_column() {
    let text = "\"url\",\"username\",\"password\",\"httpRealm\",\"formActionOrigin\",\"guid\",\"timeCreated\",\"timeLastUsed\",\"timePasswordChanged\"\r\n\
        \"https://accounts.example.com:8443\",\"alice\",\"s3cr3t\",,\"https://accounts.example.com:8443\",\"{1b9c3f0e-aaaa-4bbb-8ccc-123456789abc}\",\"1690000000000\",\"1700000000000\",\"1690000000000\"\r\n\
        \"https://router.local\",\"admin\",\"admin\",\"Router Realm\",,\"{2b9c3f0e-aaaa-4bbb-8ccc-123456789abc}\",\"1690000000000\",\"1690000000000\",\"1690000000000\"\r\n";
    let p = csv::parse(text).unwrap();
    assert_eq!(p.records.len(), 2);
    let r = &p.records[0];
    assert_eq!(
        r.overview,
        obj(json!({"kind": "login", "name": "accounts.example.com:8443",
                   "url": "https://accounts.example.com:8443", "username": "alice"}))
    );
    assert_eq!(
        r.details,
        obj(json!({"password": "s3cr3t", "custom": [
            {"label": "formActionOrigin", "value": "https://accounts.example.com:8443", "secret": false}
        ]}))
    );
    assert_eq!(
        p.records[1].details["custom"],
        json!([{"label": "httpRealm", "value": "Router Realm", "secret": false}])
    );
    assert_eq!(p.notes.len(), 1);
    assert!(p.notes[0].contains("guid, timeCreated, timeLastUsed, timePasswordChanged"));
}

#[test]
fn bom_unknown_columns_missing_and_extra_cells() {
    // A BOM, upper-case headers, an unknown column, a short row, a long row
    // and blank lines.
    let text = "\u{feff}Title,URL,Login,Password,Region\n\
        Router,https://r.test,admin,pw1,42\n\
        \n\
        ,,,,\n\
        Short row,https://s.test\n\
        Long row,,,,eu,extra cell\n\
        Just a note\n";
    let p = csv::parse(text).unwrap();
    assert_eq!(p.records.len(), 4, "blank rows are skipped");
    assert_eq!(
        p.records[0].overview,
        obj(
            json!({"kind": "login", "name": "Router", "url": "https://r.test", "username": "admin"})
        )
    );
    assert_eq!(
        p.records[0].details,
        obj(
            json!({"password": "pw1", "custom": [{"label": "Region", "value": "42", "secret": false}]})
        )
    );
    assert_eq!(
        p.records[1].overview,
        obj(json!({"kind": "login", "name": "Short row", "url": "https://s.test"}))
    );
    assert!(p.records[1].details.is_empty());
    assert_eq!(
        p.records[2].overview,
        obj(json!({"kind": "note", "name": "Long row"}))
    );
    assert_eq!(
        p.records[2].details["custom"],
        json!([{"label": "Region", "value": "eu", "secret": false},
               {"label": "column 6", "value": "extra cell", "secret": false}])
    );
    assert_eq!(
        p.records[3].overview,
        obj(json!({"kind": "note", "name": "Just a note"}))
    );
    assert!(p.notes.is_empty());
}

#[test]
fn a_row_without_a_name_is_named_by_its_line() {
    let p = csv::parse("name,notes\n,\"only notes\"\n").unwrap();
    assert_eq!(p.records[0].overview["name"], "row 2");
}

#[test]
fn an_unknown_type_is_kept_and_reported() {
    let p =
        csv::parse("type,name,login_uri,login_password\ncard,Visa,,\nlogin,Site,https://s,pw\n")
            .unwrap();
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.records[0].overview["kind"], "note");
    assert_eq!(p.records[1].overview["kind"], "login");
    assert_eq!(p.notes.len(), 1);
    assert!(p.notes[0].contains("\"card\""));
}

#[test]
fn a_header_only_file_has_no_records() {
    let p = csv::parse("name,url,username,password\r\n").unwrap();
    assert!(p.records.is_empty());
}

#[test]
fn refuses_empty_files_bad_headers_and_broken_quotes() {
    assert_eq!(csv::parse(""), Err(TransferError::Empty));
    assert_eq!(csv::parse("\u{feff}\r\n\r\n"), Err(TransferError::Empty));
    assert_eq!(
        csv::parse("username,password\nann,pw\n"),
        Err(TransferError::CsvHeader)
    );
    // A JSON file handed to the CSV reader has no such header either.
    assert_eq!(
        csv::parse("{\"encrypted\": false, \"items\": []}"),
        Err(TransferError::CsvHeader)
    );
    let e = csv::parse("name,password\n\"open,Secret-Value-7\n").unwrap_err();
    assert!(matches!(e, TransferError::NotCsv(_)), "{e:?}");
    assert!(e.to_string().contains("line 2"), "{e}");
    assert!(!e.to_string().contains("Secret-Value-7"));
    // A quote inside an unquoted field, or after a closed one, is text.
    let p = csv::parse("name,password\nsay \"hi,\"a\"b\"\n").unwrap();
    assert_eq!(p.records[0].overview["name"], "say \"hi");
    assert_eq!(p.records[0].details["password"], "ab\"");
}

#[test]
fn lossily_decoded_text_is_read_as_it_is() {
    // Callers hand in &str: a Latin-1 file decoded with replacement
    // characters still parses, and nothing panics.
    let p = csv::parse("name,password\nCaf\u{fffd},pw\n").unwrap();
    assert_eq!(p.records[0].overview["name"], "Caf\u{fffd}");
}
