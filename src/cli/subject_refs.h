// Copyright 2026 The Candor Authors.
//
// Governance records search candidates and reviews by keyed subject
// references (Store::SubjectRef), never by subject id. The CLI's review and
// lead views turn them back into ids through the store (opened read-only,
// its key from $CANDOR_KEY_FILE / $CANDOR_KEY), and `review confirm|reject
// --subject ID` turns an id into its reference. A reference whose subject was
// deleted, or without a readable store, is shown as it is ("sref:...").
// CLI-only, header-only.

#ifndef CANDOR_CLI_SUBJECT_REFS_H_
#define CANDOR_CLI_SUBJECT_REFS_H_

#include <functional>
#include <memory>
#include <string>

#include "candor/gallery.h"
#include "cli/gallery_flags.h"

namespace candor::cli {

// Maps a governance reference to what to show: the subject id, else the reference.
using RefResolver = std::function<std::string(const std::string& ref)>;

class SubjectRefs {
 public:
  explicit SubjectRefs(const std::string& store_dir) {
    StoreFlags f;
    f.store = store_dir;
    auto s = OpenStore(f, /*create=*/false, /*read_only=*/true);
    if (s.ok()) store_ = std::move(s).value();
  }
  // The ids of `gallery`'s references (references as they are when unknown).
  RefResolver For(const std::string& gallery) const {
    return [this, gallery](const std::string& ref) -> std::string {
      if (!store_ || ref.rfind("sref:", 0) != 0) return ref;
      auto id = store_->SubjectIdForRef(gallery, ref);
      return id.ok() ? *id : ref;
    };
  }
  // The reference of `subject` (an id, or already a reference) in `gallery`.
  StatusOr<std::string> RefOf(const std::string& gallery, const std::string& subject) const {
    if (subject.rfind("sref:", 0) == 0) return subject;
    if (!store_) {
      return FailedPreconditionError(
          "cannot read the store to find this subject's reference (set CANDOR_KEY_FILE), or "
          "pass the reference (sref:...) `candor review list` shows");
    }
    return store_->SubjectRef(gallery, subject);
  }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace candor::cli

#endif  // CANDOR_CLI_SUBJECT_REFS_H_
