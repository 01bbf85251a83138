// A VFS over SQLite's default (unix) one that writes each WAL frame with one write instead of two.
//
// SQLite appends a WAL frame as two writes: its 24-byte header, then the page right after it. Every
// commit writes 2-7 frames, so half the pwrite system calls of a request were 24-byte headers. This
// layer holds a frame header back and writes it together with the page that follows it (one write of
// header and page, from one buffer). Nothing else changes: the bytes and offsets written are the
// same, and the write is done before SQLite's xWrite call for the page returns, i.e. before the
// commit makes the frame visible in the wal-index. A held header is written alone first if anything
// other than its page comes next (a read, a sync, a truncate, another offset, the close), so no
// operation ever sees the file without it. A process killed between the two halves loses the frame
// as it would have lost half of it: the commit had not returned.
#include "wal_vfs.hpp"

#include <sqlite3.h>

#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace signet::store::sqlite {
namespace {

constexpr int k_frame_header = 24;  // WAL_FRAME_HDRSIZE
constexpr int k_wal_header = 32;    // WAL_HDRSIZE: frames start after it

struct shim_file {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
  bool held;
  sqlite3_int64 held_offset;
  unsigned char header[k_frame_header];
  std::vector<unsigned char>* joined;  // header + page, reused (one file is used by one thread at a time)
};

shim_file* as_shim(sqlite3_file* f) { return reinterpret_cast<shim_file*>(f); }

int flush_held(shim_file* f) {
  if (!f->held) return SQLITE_OK;
  f->held = false;
  return f->real->pMethods->xWrite(f->real, f->header, k_frame_header, f->held_offset);
}

int x_close(sqlite3_file* file) {
  auto* f = as_shim(file);
  const int flushed = flush_held(f);
  const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->joined;
  f->joined = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int x_read(sqlite3_file* file, void* buf, int amt, sqlite3_int64 off) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, buf, amt, off);
}

int x_write(sqlite3_file* file, const void* buf, int amt, sqlite3_int64 off) {
  auto* f = as_shim(file);
  if (f->held) {
    if (off == f->held_offset + k_frame_header) {
      // The frame's page: one write of header and page.
      f->held = false;
      auto& joined = *f->joined;
      joined.resize(static_cast<std::size_t>(k_frame_header) + static_cast<std::size_t>(amt));
      std::memcpy(joined.data(), f->header, k_frame_header);
      std::memcpy(joined.data() + k_frame_header, buf, static_cast<std::size_t>(amt));
      return f->real->pMethods->xWrite(f->real, joined.data(), static_cast<int>(joined.size()), f->held_offset);
    }
    if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  }
  if (f->wal && amt == k_frame_header && off >= k_wal_header) {
    std::memcpy(f->header, buf, k_frame_header);
    f->held_offset = off;
    f->held = true;
    return SQLITE_OK;
  }
  return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int x_sync(sqlite3_file* file, int flags) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int x_lock(sqlite3_file* file, int level) {
  auto* f = as_shim(file);
  return f->real->pMethods->xLock(f->real, level);
}
int x_unlock(sqlite3_file* file, int level) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xUnlock(f->real, level);
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  auto* f = as_shim(file);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int x_sector_size(sqlite3_file* file) {
  auto* f = as_shim(file);
  return f->real->pMethods->xSectorSize(f->real);
}
int x_device_characteristics(sqlite3_file* file) {
  auto* f = as_shim(file);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}
int x_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  auto* f = as_shim(file);
  return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  auto* f = as_shim(file);
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) {
  auto* f = as_shim(file);
  f->real->pMethods->xShmBarrier(f->real);
}
int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  auto* f = as_shim(file);
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}
int x_fetch(sqlite3_file* file, sqlite3_int64 off, int amt, void** out) {
  auto* f = as_shim(file);
  if (int rc = flush_held(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, off, amt, out);
}
int x_unfetch(sqlite3_file* file, sqlite3_int64 off, void* p) {
  auto* f = as_shim(file);
  return f->real->pMethods->xUnfetch(f->real, off, p);
}

const sqlite3_io_methods k_methods = {
    3,          x_close,       x_read,      x_write,       x_truncate,      x_sync,
    x_file_size, x_lock,       x_unlock,    x_check_reserved_lock, x_file_control, x_sector_size,
    x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch,
    x_unfetch,
};

sqlite3_vfs g_vfs;
sqlite3_vfs* g_real = nullptr;

int v_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = as_shim(file);
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(shim_file));
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->held = false;
  f->held_offset = 0;
  f->joined = nullptr;
  file->pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || !f->real->pMethods) return rc;
  if (f->real->pMethods->iVersion < 3) {
    // Every method above assumes version 3 (the unix VFS's): refuse rather than call a missing one.
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  f->joined = new (std::nothrow) std::vector<unsigned char>();
  if (!f->joined) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_NOMEM;
  }
  file->pMethods = &k_methods;
  return SQLITE_OK;
}

int v_delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_real->xDelete(g_real, name, sync_dir); }
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_real->xAccess(g_real, name, flags, out); }
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void v_dl_error(sqlite3_vfs*, int n, char* msg) { g_real->xDlError(g_real, n, msg); }
void (*v_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) { return g_real->xDlSym(g_real, h, sym); }
void v_dl_close(sqlite3_vfs*, void* h) { g_real->xDlClose(g_real, h); }
int v_randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int v_sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int v_current_time(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int v_get_last_error(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }
int v_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return g_real->xSetSystemCall(g_real, name, p);
}
sqlite3_syscall_ptr v_get_system_call(sqlite3_vfs*, const char* name) { return g_real->xGetSystemCall(g_real, name); }
const char* v_next_system_call(sqlite3_vfs*, const char* name) { return g_real->xNextSystemCall(g_real, name); }

}  // namespace

const char* wal_vfs_name() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    if (!g_real || g_real->iVersion < 3) return;  // left to SQLite's own VFS
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 3;
    g_vfs.szOsFile = static_cast<int>(sizeof(shim_file)) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = "signet-wal";
    g_vfs.xOpen = v_open;
    g_vfs.xDelete = v_delete;
    g_vfs.xAccess = v_access;
    g_vfs.xFullPathname = v_full_pathname;
    g_vfs.xDlOpen = v_dl_open;
    g_vfs.xDlError = v_dl_error;
    g_vfs.xDlSym = v_dl_sym;
    g_vfs.xDlClose = v_dl_close;
    g_vfs.xRandomness = v_randomness;
    g_vfs.xSleep = v_sleep;
    g_vfs.xCurrentTime = v_current_time;
    g_vfs.xGetLastError = v_get_last_error;
    g_vfs.xCurrentTimeInt64 = v_current_time_int64;
    g_vfs.xSetSystemCall = v_set_system_call;
    g_vfs.xGetSystemCall = v_get_system_call;
    g_vfs.xNextSystemCall = v_next_system_call;
    ok = sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
  });
  return ok ? g_vfs.zName : nullptr;
}

}  // namespace signet::store::sqlite
