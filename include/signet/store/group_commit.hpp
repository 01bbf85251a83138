// Group commit for the writes a request can wait for without holding its thread.
//
// A server that can answer a request later (the HTTP server: its connections are asynchronous) opens
// a request_scope around the handler. While it is open, a store may, instead of committing a write
// before returning, queue it into the current batch, schedule the batch's commit on the request's
// thread (the scope's poster: after the handlers already queued there, so the requests that arrived
// together share one transaction), and note the batch on the scope. After the handler returns, the
// server takes the noted batches and sends the response only once each of them has committed, or an
// error if one failed. So a response still never leaves before its writes are durable; the writes of
// several requests just share one commit. Without a scope (tests, the command line, other servers)
// nothing is deferred: stores commit before returning, as always.
//
// Header-only and backend-neutral: the SQLite store uses it for challenge inserts (the writes of the
// options endpoints); PostgreSQL does not defer.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace signet::store::group_commit {

/// The writes of one commit. Whoever waits for it learns when they are durable, or that they failed.
class batch {
 public:
  /// `f(ok)` runs once the batch has committed (true) or failed (false): on the thread that
  /// finishes it, or at once if that is already known.
  void when_done(std::function<void(bool)> f) {
    std::unique_lock lk(mu_);
    if (!done_) {
      waiters_.push_back(std::move(f));
      return;
    }
    const bool ok = ok_;
    lk.unlock();
    f(ok);
  }
  /// Called once, by the store that committed (or failed to commit) the batch.
  void finish(bool ok) {
    std::vector<std::function<void(bool)>> waiting;
    {
      std::lock_guard lk(mu_);
      done_ = true;
      ok_ = ok;
      waiting.swap(waiters_);
    }
    for (auto& f : waiting) f(ok);
  }

 private:
  std::mutex mu_;
  bool done_ = false;
  bool ok_ = false;
  std::vector<std::function<void(bool)>> waiters_;
};

/// Runs a function later on the request's thread, after what is already queued there.
using poster = std::function<void(std::function<void()>)>;

namespace detail {
inline thread_local const poster* t_poster = nullptr;
inline thread_local std::vector<std::shared_ptr<batch>>* t_batches = nullptr;
}  // namespace detail

/// Open around one request's handler, on the thread that runs it.
class request_scope {
 public:
  explicit request_scope(const poster& p) : prev_poster_(detail::t_poster), prev_batches_(detail::t_batches) {
    detail::t_poster = &p;
    detail::t_batches = &batches_;
  }
  ~request_scope() {
    detail::t_poster = prev_poster_;
    detail::t_batches = prev_batches_;
  }
  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;

  /// The batches the request's deferred writes went into (usually none or one).
  std::vector<std::shared_ptr<batch>> take() { return std::move(batches_); }

 private:
  const poster* prev_poster_;
  std::vector<std::shared_ptr<batch>>* prev_batches_;
  std::vector<std::shared_ptr<batch>> batches_;
};

/// For a store: how to schedule a deferred commit on this request's thread, or nullptr when there is
/// no open scope and the write must be committed before returning.
inline const poster* deferrable() noexcept { return detail::t_poster; }

/// For a store: the current request waits for `b` before its response leaves.
inline void note(std::shared_ptr<batch> b) {
  if (detail::t_batches) detail::t_batches->push_back(std::move(b));
}

}  // namespace signet::store::group_commit
