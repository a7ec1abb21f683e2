// Copyright 2026 The Candor Authors.
//
// A fixed pool of std::threads for splitting one scan over the gallery. Plain
// threads rather than OpenMP: unpinned OpenMP regions stalled ~8 ms each on
// this machine type (see ../shared/docs/search-facts.md), and a persistent pool
// wakes in microseconds.
//
// Thread safety: ParallelFor may be called concurrently from any number of
// threads (jobs share the workers; the caller always works on its own job too,
// so a job completes even when all workers are busy). It must not be called
// from inside a task (that could wait on itself).

#ifndef CANDOR_SEARCH_THREAD_POOL_H_
#define CANDOR_SEARCH_THREAD_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace candor::search {

class ThreadPool {
 public:
  // Starts `workers` threads (>= 0).
  explicit ThreadPool(int workers);
  ~ThreadPool();  // finishes queued work, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The process-wide pool: hardware_concurrency() - 1 workers (the caller is
  // the remaining thread).
  static ThreadPool& Shared();

  int workers() const { return static_cast<int>(threads_.size()); }

  // Runs fn(0), ..., fn(n - 1), on the caller and up to n - 1 workers, and
  // returns when all have finished. fn must not throw.
  void ParallelFor(int n, const std::function<void(int)>& fn);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_THREAD_POOL_H_
