//! Reading a file the user names: only a regular file, and at most a stated size, so that a FIFO,
//! a device or a huge file is refused at once instead of hanging or exhausting the machine.

use std::io::Read;
use std::path::Path;

/// The bytes of `file`, a regular file of at most `limit` bytes; `Err` says what is wrong in words
/// that follow the file's name ("is not a regular file ...").
pub fn read(file: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(file).map_err(|e| format!("cannot read the {what}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("is not a regular file (the {what} is read from a file, not a pipe or device)"));
    }
    // Read at most one byte past the limit, so a file that grows while it is read costs no more.
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read the {what}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("is larger than {}, the most a {what} may be", size(limit)));
    }
    Ok(bytes)
}

/// `bytes` in words: `1 MiB`, `64 MiB`, `1 GiB`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_small_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read(&file, 5, "data file").unwrap(), b"12345");
        assert_eq!(read(&file, 4, "data file").unwrap_err(), "is larger than 4 bytes, the most a data file may be");
        assert!(read(dir.path(), 10, "data file").unwrap_err().starts_with("is not a regular file"));
        assert!(read(&dir.path().join("none"), 10, "data file").unwrap_err().starts_with("cannot read the data file"));
        assert_eq!(size(1 << 20), "1 MiB");
    }
}
