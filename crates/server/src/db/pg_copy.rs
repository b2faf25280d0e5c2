//! Rows of PostgreSQL's binary `COPY … TO STDOUT` format, for the one read
//! where sqlx's row machinery costs more than the bytes: the item rows of a
//! full sync.
//!
//! Through `fetch`, every row becomes a `PgRow` whose columns are
//! type-checked against the row description on each `try_get` and handed
//! over through sqlx's per-row async stream (perf, docs/BENCHMARKS.md
//! § Server, 2026-12-03). `copy_out_raw` hands over the CopyData messages
//! as they come; this module splits them into rows and lends each field
//! where it lies (no copy), whatever the message boundaries are.
//!
//! Format (PostgreSQL docs, "COPY", "Binary Format"): an 11-byte signature,
//! a 32-bit flags field and a 32-bit header extension length (and that many
//! bytes); then per row a 16-bit field count and per field a 32-bit length
//! (-1 = NULL) and the bytes (`text`: as stored, in the client encoding,
//! which sqlx sets to UTF-8; `bigint`: 8 bytes big-endian); then a field
//! count of -1. All integers are big-endian.

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!("COPY binary: {what}"))
}

/// At most this many fields per row (the item columns).
const MAX_FIELDS: usize = 8;

/// One row, borrowed from the bytes it was parsed from.
pub struct Row<'a> {
    fields: [Option<&'a [u8]>; MAX_FIELDS],
    n: usize,
}

impl<'a> Row<'a> {
    fn field(&self, i: usize) -> Result<Option<&'a [u8]>, sqlx::Error> {
        if i < self.n {
            self.fields
                .get(i)
                .copied()
                .ok_or_else(|| bad("column index"))
        } else {
            Err(bad("no such column"))
        }
    }

    /// A `text` column (checked to be UTF-8, as sqlx checks it).
    pub fn text(&self, i: usize) -> Result<&'a str, sqlx::Error> {
        let b = self.field(i)?.ok_or_else(|| bad("unexpected NULL"))?;
        std::str::from_utf8(b).map_err(|_| bad("text not UTF-8"))
    }

    /// A `bigint` column that may be NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self.field(i)? {
            None => Ok(None),
            Some(b) => {
                let b: [u8; 8] = b.try_into().map_err(|_| bad("bigint not 8 bytes"))?;
                Ok(Some(i64::from_be_bytes(b)))
            }
        }
    }

    /// A `bigint` column.
    pub fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        self.opt_int(i)?.ok_or_else(|| bad("unexpected NULL"))
    }
}

fn be_i16(b: &[u8], at: usize) -> Option<i16> {
    Some(i16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// What [`parse_row`] found at the start of its input.
enum Parsed<'a> {
    /// A row and the bytes it took.
    Row(Row<'a>, usize),
    /// The end-of-data marker (2 bytes).
    End,
    /// The input ends inside a row: more bytes are needed.
    Incomplete,
}

/// One row (or the trailer) from the start of `b`, which must have exactly
/// `cols` fields.
fn parse_row(b: &[u8], cols: usize) -> Result<Parsed<'_>, sqlx::Error> {
    let Some(count) = be_i16(b, 0) else {
        return Ok(Parsed::Incomplete);
    };
    if count == -1 {
        return Ok(Parsed::End);
    }
    if usize::try_from(count).ok() != Some(cols) || cols > MAX_FIELDS {
        return Err(bad("unexpected field count"));
    }
    let mut row = Row {
        fields: [None; MAX_FIELDS],
        n: cols,
    };
    let mut at = 2;
    for slot in row.fields.iter_mut().take(cols) {
        let Some(len) = be_i32(b, at) else {
            return Ok(Parsed::Incomplete);
        };
        at += 4;
        if len == -1 {
            continue;
        }
        let len = usize::try_from(len).map_err(|_| bad("negative field length"))?;
        let Some(v) = b.get(at..at.saturating_add(len)) else {
            return Ok(Parsed::Incomplete);
        };
        *slot = Some(v);
        at += len;
    }
    Ok(Parsed::Row(row, at))
}

/// Splits the CopyData payloads of a binary COPY into rows of `cols` fields.
/// Feed it every payload in order with [`Rows::feed`], then call
/// [`Rows::finish`].
pub struct Rows {
    cols: usize,
    /// The header has been read.
    started: bool,
    /// The trailer has been read.
    ended: bool,
    /// Bytes of a row (or of the header) that began in an earlier payload.
    carry: Vec<u8>,
}

impl Rows {
    pub fn new(cols: usize) -> Rows {
        Rows {
            cols,
            started: false,
            ended: false,
            carry: Vec::new(),
        }
    }

    /// Calls `each` with every complete row in `chunk` (and what was carried
    /// over); stops at the first error or Ok(false) of `each`, returning it.
    pub fn feed<F>(&mut self, chunk: &[u8], mut each: F) -> Result<bool, sqlx::Error>
    where
        F: FnMut(&Row<'_>) -> Result<bool, sqlx::Error>,
    {
        if self.carry.is_empty() {
            // PostgreSQL sends one row per CopyData message: the usual case
            // borrows straight from the message.
            let mut b: &[u8] = chunk;
            let more = self.parse_all(&mut b, &mut each)?;
            self.carry.extend_from_slice(b);
            Ok(more)
        } else {
            let mut carry = std::mem::take(&mut self.carry);
            carry.extend_from_slice(chunk);
            let mut b: &[u8] = &carry;
            let more = self.parse_all(&mut b, &mut each)?;
            let rest = b.to_vec();
            self.carry = rest;
            Ok(more)
        }
    }

    /// Consumes every complete row at the start of `b`.
    fn parse_all<F>(&mut self, b: &mut &[u8], each: &mut F) -> Result<bool, sqlx::Error>
    where
        F: FnMut(&Row<'_>) -> Result<bool, sqlx::Error>,
    {
        if !self.started {
            if b.len() < SIGNATURE.len() + 8 {
                return Ok(true);
            }
            if b.get(..SIGNATURE.len()) != Some(&SIGNATURE[..]) {
                return Err(bad("bad signature"));
            }
            let ext = be_i32(b, SIGNATURE.len() + 4).ok_or_else(|| bad("header"))?;
            let ext = usize::try_from(ext).map_err(|_| bad("header extension length"))?;
            let header = SIGNATURE.len() + 8 + ext;
            if b.len() < header {
                return Ok(true);
            }
            *b = b.get(header..).ok_or_else(|| bad("header"))?;
            self.started = true;
        }
        while !b.is_empty() {
            if self.ended {
                return Err(bad("data after the trailer"));
            }
            match parse_row(b, self.cols)? {
                Parsed::Row(row, used) => {
                    if !each(&row)? {
                        return Ok(false);
                    }
                    *b = b.get(used..).ok_or_else(|| bad("row length"))?;
                }
                Parsed::End => {
                    self.ended = true;
                    *b = b.get(2..).ok_or_else(|| bad("trailer"))?;
                }
                Parsed::Incomplete => break,
            }
        }
        Ok(true)
    }

    /// Err unless the data ended with the trailer and nothing after it.
    pub fn finish(&self) -> Result<(), sqlx::Error> {
        if self.ended && self.carry.is_empty() {
            Ok(())
        } else {
            Err(bad("truncated"))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn copy_data(rows: &[Vec<Option<Vec<u8>>>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&3i32.to_be_bytes());
        out.extend_from_slice(b"ext");
        for r in rows {
            out.extend_from_slice(&(r.len() as i16).to_be_bytes());
            for f in r {
                match f {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(v) => {
                        out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                        out.extend_from_slice(v);
                    }
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn read(data: &[u8], split: usize) -> Result<Vec<(String, i64, Option<i64>)>, sqlx::Error> {
        let mut rows = Rows::new(3);
        let mut got = Vec::new();
        for piece in data.chunks(split.max(1)) {
            rows.feed(piece, |r| {
                got.push((r.text(0)?.to_string(), r.int(1)?, r.opt_int(2)?));
                Ok(true)
            })?;
        }
        rows.finish()?;
        Ok(got)
    }

    #[test]
    fn rows_are_read_whatever_the_chunking() {
        let data = copy_data(&[
            vec![
                Some(b"a\"b".to_vec()),
                Some(7i64.to_be_bytes().to_vec()),
                None,
            ],
            vec![
                Some(Vec::new()),
                Some((-2i64).to_be_bytes().to_vec()),
                Some(9i64.to_be_bytes().to_vec()),
            ],
        ]);
        let want = vec![("a\"b".to_string(), 7, None), (String::new(), -2, Some(9))];
        for split in 1..=data.len() {
            assert_eq!(read(&data, split).unwrap(), want, "split {split}");
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let good = copy_data(&[vec![
            Some(b"x".to_vec()),
            Some(1i64.to_be_bytes().to_vec()),
            None,
        ]]);
        // Every truncation, and every single-byte corruption, of a valid stream.
        for cut in 0..good.len() {
            assert!(read(&good[..cut], 5).is_err(), "cut {cut}");
        }
        for i in 0..good.len() {
            for v in [0u8, 0x7f, 0xff] {
                let mut d = good.clone();
                d[i] = v;
                let _ = read(&d, 4);
            }
        }
        // Wrong field count, wrong integer width, invalid UTF-8, data after the end.
        let two = copy_data(&[vec![Some(b"x".to_vec()), None]]);
        assert!(read(&two, 64).is_err());
        let short = copy_data(&[vec![Some(b"x".to_vec()), Some(vec![1, 2]), None]]);
        assert!(read(&short, 64).is_err());
        let utf = copy_data(&[vec![
            Some(vec![0xff]),
            Some(1i64.to_be_bytes().to_vec()),
            None,
        ]]);
        assert!(read(&utf, 64).is_err());
        let mut after = good.clone();
        after.extend_from_slice(&[0, 0]);
        assert!(read(&after, 64).is_err());
    }
}
