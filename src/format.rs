//! The model file format.
//!
//! ```text
//! magic          8 bytes   "JSCAM\0\r\n"
//! version        u32 LE    FORMAT_VERSION
//! header length  u64 LE
//! header         JSON      ModelHeader
//! payload length u64 LE
//! payload        intercept f64, then per feature:
//!                name length u32, name (UTF-8), idf f64, weight f64
//! checksum       32 bytes  SHA-256 of everything before it
//! ```
//!
//! Model files get copied around and may be damaged or hostile, so decoding
//! checks every length against the bytes that remain before allocating, and
//! verifies the checksum before parsing anything after the version.

use sha2::{Digest, Sha256};

use crate::features::Vocabulary;
use crate::model::{Model, ModelHeader};

/// Identifies a model file. The `\r\n` catches text-mode line-ending damage.
pub const MAGIC: &[u8; 8] = b"JSCAM\0\r\n";
/// Current format version. Older readers refuse newer files.
pub const FORMAT_VERSION: u32 = 1;
const CHECKSUM_LEN: usize = 32;

/// Serializes a model.
pub fn encode(model: &Model) -> Vec<u8> {
    let header = serde_json::to_vec_pretty(&model.header).expect("the header always serializes");
    let mut payload = Vec::new();
    payload.extend_from_slice(&model.intercept.to_le_bytes());
    for ((name, idf), weight) in model
        .vocabulary
        .names()
        .iter()
        .zip(model.vocabulary.idf())
        .zip(&model.weights)
    {
        payload.extend_from_slice(&(name.len() as u32).to_le_bytes());
        payload.extend_from_slice(name.as_bytes());
        payload.extend_from_slice(&idf.to_le_bytes());
        payload.extend_from_slice(&weight.to_le_bytes());
    }
    let mut out =
        Vec::with_capacity(MAGIC.len() + 20 + header.len() + payload.len() + CHECKSUM_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// A cursor that refuses to read past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err(format!(
                "truncated: {} needs {n} bytes, {} remain",
                self.what,
                self.bytes.len()
            ));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A length field, checked against what remains.
    fn len(&mut self) -> Result<usize, String> {
        let len = self.u64()?;
        if len > self.bytes.len() as u64 {
            return Err(format!(
                "corrupted: {} claims {len} bytes, only {} remain",
                self.what,
                self.bytes.len()
            ));
        }
        Ok(len as usize)
    }
}

/// Parses and validates a model file.
pub fn decode(bytes: &[u8]) -> Result<Model, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a jscam model (wrong magic bytes)".into());
    }
    let mut reader = Reader {
        bytes: &bytes[MAGIC.len()..],
        what: "format version",
    };
    let version = reader.u32()?;
    if version > FORMAT_VERSION {
        return Err(format!(
            "format version {version} is newer than this tool supports ({FORMAT_VERSION}); upgrade jscam"
        ));
    }
    if version == 0 {
        return Err("corrupted: format version 0".into());
    }
    if bytes.len() < MAGIC.len() + 4 + CHECKSUM_LEN {
        return Err("truncated: no room for a checksum".into());
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(body).as_slice() != checksum {
        return Err("corrupted or truncated: checksum mismatch".into());
    }
    let mut reader = Reader {
        bytes: &body[MAGIC.len() + 4..],
        what: "header",
    };
    let header_len = reader.len()?;
    let header: ModelHeader = serde_json::from_slice(reader.take(header_len)?)
        .map_err(|e| format!("corrupted header: {e}"))?;
    reader.what = "payload";
    let payload_len = reader.len()?;
    let mut payload = Reader {
        bytes: reader.take(payload_len)?,
        what: "payload",
    };
    if !reader.bytes.is_empty() {
        return Err(format!(
            "corrupted: {} unexpected bytes after the payload",
            reader.bytes.len()
        ));
    }
    let intercept = payload.f64()?;
    // Each feature takes at least 20 bytes, which bounds the count before
    // anything is allocated for it.
    if header.n_features > payload.bytes.len() / 20 {
        return Err(format!(
            "corrupted: header claims {} features, the payload holds at most {}",
            header.n_features,
            payload.bytes.len() / 20
        ));
    }
    let mut entries = Vec::with_capacity(header.n_features);
    let mut weights = Vec::with_capacity(header.n_features);
    for _ in 0..header.n_features {
        let name_len = payload.u32()? as usize;
        let name = std::str::from_utf8(payload.take(name_len)?)
            .map_err(|_| "corrupted: a feature name is not UTF-8".to_owned())?
            .to_owned();
        let idf = payload.f64()?;
        weights.push(payload.f64()?);
        entries.push((name, idf));
    }
    if !payload.bytes.is_empty() {
        return Err("corrupted: payload longer than its features".into());
    }
    let vocabulary =
        Vocabulary::new(header.features.clone(), entries).map_err(|e| format!("corrupted: {e}"))?;
    header
        .features
        .validate()
        .map_err(|e| format!("corrupted: {e}"))?;
    Model::new(header, vocabulary, weights, intercept).map_err(|e| format!("corrupted: {e}"))
}
