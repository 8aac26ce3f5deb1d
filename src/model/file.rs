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
//!
//! The codec knows the layout only: it turns [`ModelParts`] into bytes and
//! back. Whether the parts make a usable model is for
//! [`Model`](crate::Model) to check.

use sha2::{Digest, Sha256};

use super::header::ModelHeader;

/// Identifies a model file. The `\r\n` catches text-mode line-ending damage.
pub const MAGIC: &[u8; 8] = b"JSCAM\0\r\n";
/// Current format version. Older readers refuse newer files.
pub const FORMAT_VERSION: u32 = 1;
const CHECKSUM_LEN: usize = 32;

/// What a model file holds, borrowed for writing.
#[derive(Debug, Clone, Copy)]
pub struct ModelPartsRef<'a> {
    /// The JSON header.
    pub header: &'a ModelHeader,
    /// Feature names, one per column.
    pub names: &'a [String],
    /// IDF weight of each column.
    pub idf: &'a [f64],
    /// Logistic weight of each column.
    pub weights: &'a [f64],
    /// The intercept.
    pub intercept: f64,
}

/// What a model file holds, as read.
#[derive(Debug, Clone)]
pub struct ModelParts {
    /// The JSON header.
    pub header: ModelHeader,
    /// (feature name, IDF weight), one per column.
    pub entries: Vec<(String, f64)>,
    /// Logistic weight of each column.
    pub weights: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
}

/// Why bytes are not a model file. The text is what users see after the
/// file name, so it says what is wrong in their terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// Another kind of file.
    #[error("not a jscam model (wrong magic bytes)")]
    NotAModel,
    /// Written by a newer jscam.
    #[error(
        "format version {0} is newer than this tool supports ({FORMAT_VERSION}); upgrade jscam"
    )]
    TooNew(u32),
    /// Fewer bytes than a part needs.
    #[error("truncated: {0}")]
    Truncated(String),
    /// Inconsistent lengths, bad checksum, unreadable header or names.
    #[error("corrupted: {0}")]
    Corrupted(String),
    /// The checksum does not match (damage or truncation).
    #[error("corrupted or truncated: checksum mismatch")]
    Checksum,
}

/// Serializes a model's parts.
pub fn encode(parts: ModelPartsRef<'_>) -> Vec<u8> {
    let header = serde_json::to_vec_pretty(parts.header).expect("the header always serializes");
    let mut payload = Vec::new();
    payload.extend_from_slice(&parts.intercept.to_le_bytes());
    for ((name, idf), weight) in parts.names.iter().zip(parts.idf).zip(parts.weights) {
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
    fn take(&mut self, n: usize) -> Result<&'a [u8], FileError> {
        if n > self.bytes.len() {
            return Err(FileError::Truncated(format!(
                "{} needs {n} bytes, {} remain",
                self.what,
                self.bytes.len()
            )));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, FileError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, FileError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn f64(&mut self) -> Result<f64, FileError> {
        Ok(f64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A length field, checked against what remains.
    fn len(&mut self) -> Result<usize, FileError> {
        let len = self.u64()?;
        if len > self.bytes.len() as u64 {
            return Err(FileError::Corrupted(format!(
                "{} claims {len} bytes, only {} remain",
                self.what,
                self.bytes.len()
            )));
        }
        Ok(len as usize)
    }
}

/// Parses a model file and checks its layout: magic, version, checksum,
/// every length. The parts are not checked against each other.
///
/// # Errors
/// [`FileError`] saying what is wrong.
pub fn decode(bytes: &[u8]) -> Result<ModelParts, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(FileError::NotAModel);
    }
    let mut reader = Reader {
        bytes: &bytes[MAGIC.len()..],
        what: "format version",
    };
    let version = reader.u32()?;
    if version > FORMAT_VERSION {
        return Err(FileError::TooNew(version));
    }
    if version == 0 {
        return Err(FileError::Corrupted("format version 0".into()));
    }
    if bytes.len() < MAGIC.len() + 4 + CHECKSUM_LEN {
        return Err(FileError::Truncated("no room for a checksum".into()));
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(body).as_slice() != checksum {
        return Err(FileError::Checksum);
    }
    let mut reader = Reader {
        bytes: &body[MAGIC.len() + 4..],
        what: "header",
    };
    let header_len = reader.len()?;
    let header: ModelHeader = serde_json::from_slice(reader.take(header_len)?)
        .map_err(|e| FileError::Corrupted(format!("header: {e}")))?;
    reader.what = "payload";
    let payload_len = reader.len()?;
    let mut payload = Reader {
        bytes: reader.take(payload_len)?,
        what: "payload",
    };
    if !reader.bytes.is_empty() {
        return Err(FileError::Corrupted(format!(
            "{} unexpected bytes after the payload",
            reader.bytes.len()
        )));
    }
    let intercept = payload.f64()?;
    // Each feature takes at least 20 bytes, which bounds the count before
    // anything is allocated for it.
    if header.n_features > payload.bytes.len() / 20 {
        return Err(FileError::Corrupted(format!(
            "header claims {} features, the payload holds at most {}",
            header.n_features,
            payload.bytes.len() / 20
        )));
    }
    let mut entries = Vec::with_capacity(header.n_features);
    let mut weights = Vec::with_capacity(header.n_features);
    for _ in 0..header.n_features {
        let name_len = payload.u32()? as usize;
        let name = std::str::from_utf8(payload.take(name_len)?)
            .map_err(|_| FileError::Corrupted("a feature name is not UTF-8".into()))?
            .to_owned();
        let idf = payload.f64()?;
        weights.push(payload.f64()?);
        entries.push((name, idf));
    }
    if !payload.bytes.is_empty() {
        return Err(FileError::Corrupted(
            "payload longer than its features".into(),
        ));
    }
    Ok(ModelParts {
        header,
        entries,
        weights,
        intercept,
    })
}
