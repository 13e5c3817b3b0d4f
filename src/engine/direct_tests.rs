use super::*;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn a_page_buffer_holds_its_bytes_in_order_across_pages_without_growing() {
    let bytes = pattern(3 * ALIGN + 17);
    let mut buf = PageBuf::with_capacity(bytes.len());
    assert_eq!(buf.capacity(), 4 * ALIGN);
    for piece in bytes.chunks(1000) {
        buf.extend(piece);
    }
    assert_eq!(buf.as_bytes(), &bytes[..]);
    assert_eq!(buf.capacity(), 4 * ALIGN, "filled within what it took");
    assert_eq!(buf.as_bytes().as_ptr() as usize % ALIGN, 0, "aligned");
}

/// Every length a direct write splits differently: nothing, less than a page, whole pages,
/// whole pages and a tail; each over a longer file that was there before.
fn writes_every_length_over_an_older_file(dir: &Path) {
    for len in [
        0,
        1,
        ALIGN - 1,
        ALIGN,
        ALIGN + 1,
        64 * ALIGN,
        3 * ALIGN + 17,
    ] {
        let path = dir.join(format!("f{len}.partial"));
        std::fs::write(&path, pattern(80 * ALIGN)).unwrap();
        let bytes: Vec<u8> = pattern(len + 3)[3..].to_vec();
        let mut buf = PageBuf::with_capacity(len);
        buf.extend(&bytes);
        write_synced(&path, &buf).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{len} bytes");
    }
}

#[test]
fn a_body_is_written_whole_whatever_its_length() {
    let dir = tempfile::tempdir().unwrap();
    writes_every_length_over_an_older_file(dir.path());
}

/// tmpfs refuses `O_DIRECT` before Linux 6.6 and takes it since: either way the bytes land.
#[test]
fn a_body_is_written_whole_on_tmpfs_too() {
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        return;
    }
    let dir = tempfile::tempdir_in(shm).unwrap();
    writes_every_length_over_an_older_file(dir.path());
}

#[test]
fn a_write_into_a_missing_folder_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut buf = PageBuf::with_capacity(2 * ALIGN);
    buf.extend(&pattern(2 * ALIGN));
    let path = dir.path().join("gone").join("f.partial");
    let error = write_synced(&path, &buf).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    assert!(!dir.path().join("gone").exists());
}

/// A file system that refuses `O_DIRECT`: at the open (old tmpfs, some FUSE file systems), or
/// only at the first write, after part of the body went in (a device asking for more alignment).
/// Either way the body is written whole, through the page cache, over an older longer file.
#[cfg(target_os = "linux")]
#[test]
fn a_file_system_refusing_direct_writes_gets_the_body_buffered() {
    fn refuse(_: &Path) -> std::io::Result<File> {
        Err(std::io::Error::from_raw_os_error(libc::EINVAL))
    }
    fn refuse_after_a_page(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
        file.write_all(&bytes[..ALIGN])?;
        Err(std::io::Error::from_raw_os_error(libc::EINVAL))
    }
    let at_open = Steps {
        open_direct: refuse,
        ..SYSTEM
    };
    let at_write = Steps {
        write_direct: refuse_after_a_page,
        ..SYSTEM
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, steps) in [("open", at_open), ("write", at_write)] {
        for len in [2 * ALIGN, 3 * ALIGN + 17] {
            let path = dir.path().join(format!("{name}-{len}.partial"));
            std::fs::write(&path, pattern(80 * ALIGN)).unwrap();
            let bytes: Vec<u8> = pattern(len + 5)[5..].to_vec();
            let mut buf = PageBuf::with_capacity(len);
            buf.extend(&bytes);
            write_synced_with(&path, &buf, steps).unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "refused at {name}, {len} bytes"
            );
        }
    }
}

/// Any other error of a direct write (a full disk) is the write's error, not a retry.
#[cfg(target_os = "linux")]
#[test]
fn a_direct_write_failing_otherwise_fails_the_body() {
    fn full(_: &mut File, _: &[u8]) -> std::io::Result<()> {
        Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
    }
    let steps = Steps {
        write_direct: full,
        ..SYSTEM
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.partial");
    let mut buf = PageBuf::with_capacity(2 * ALIGN);
    buf.extend(&pattern(2 * ALIGN));
    let error = write_synced_with(&path, &buf, steps).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOSPC));
}
