// The VFS every Signet SQLite connection opens its files with (wal_vfs.cpp): SQLite's default
// unix VFS, except that a WAL frame's header and page are written with one write.
#pragma once

namespace signet::store::sqlite {

/// Registers the VFS on first use (after the library's configuration) and returns its name, or
/// nullptr when the default VFS is not one it can wrap (then SQLite's default is used as it is).
const char* wal_vfs_name();

}  // namespace signet::store::sqlite
