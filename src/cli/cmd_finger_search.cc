// Copyright 2026 The Candor Authors.
//
// candor finger identify --gallery G [-k N] [N:]PRINT...
// candor finger verify --gallery G --subject ID [--consent] [N:]PRINT...
//
// Fingerprint searches of a finger gallery, through the search desk like
// `candor identify` / `candor verify` (search_desk/search_desk.h): a named
// operator under an authorization (or, for verify, the subject's recorded
// consent where the gallery accepts it), the governance gate, the threshold
// from the finger calibration (calibration/finger-mcc.json, docs/FINGER.md
// "Thresholds") at --target-fpir / --target-fmr, the sealed record, the
// audit; the candidates go to two-person review (`candor review`). The probe
// is one or more fingers of one person (PRINT as for `candor finger enroll`);
// each is compared with the subject's finger at the same ISO position (any
// when either is 0) and the scores are averaged over the probe's fingers.
// The prints are read and extracted only after the gate allowed the search.
// What the requester sees is what `candor identify` / `verify` show.

#include <memory>

#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/finger_input.h"
#include "cli/search_answer.h"
#include "common/hash.h"
#include "search_desk/finger_modality.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  SearchGateFlags gate;
  std::string gallery, subject, calibration;
  std::vector<std::string> prints;
  double dpi = 500;
  int k = 10;
  double target_fpir = 1e-2, target_fmr = 1e-2;
  bool consent = false;
};

// The probe hash of several prints: SHA-256 over their files' SHA-256s, in order
// (one print: its file's SHA-256, as a face probe's).
StatusOr<std::string> PrintsHash(const std::vector<std::string>& prints) {
  if (prints.size() == 1) {
    CANDOR_ASSIGN_OR_RETURN(FingerArg f, ParseFingerArg(prints[0]));
    return ProbeHash(f.path);
  }
  std::string all;
  for (const std::string& p : prints) {
    CANDOR_ASSIGN_OR_RETURN(FingerArg f, ParseFingerArg(p));
    CANDOR_ASSIGN_OR_RETURN(std::string h, ProbeHash(f.path));
    all += h;
  }
  return HexDigest(Sha256(all));
}

StatusOr<CliSearch> Begin(const Args& a, SearchKind kind) {
  CANDOR_ASSIGN_OR_RETURN(FingerArg first, ParseFingerArg(a.prints.at(0)));
  SearchCalibrationOptions sc;
  sc.model_calibration = a.calibration;
  sc.finger_target_fpir = a.target_fpir;
  sc.finger_target_fmr = a.target_fmr;
  CANDOR_ASSIGN_OR_RETURN(CliSearch s,
                          BeginCliSearch(a.store, a.gate, kind, a.gallery, first.path, sc));
  CANDOR_ASSIGN_OR_RETURN(s.req.probe_hash, PrintsHash(a.prints));
  return s;
}

FingerModality Probe(const Store& store, const Args& a) {
  return FingerModality(store, [&a]() { return LoadFingers(a.prints, a.dpi); });
}

Status RunIdentify(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(CliSearch s, Begin(a, SearchKind::kIdentify));
  s.req.candidate_list_size = a.k;
  CANDOR_ASSIGN_OR_RETURN(
      CompletedSearch done,
      s.desk.desk->Identify(s.desk.gate.operator_principal, s.req, Probe(*s.desk.store, a)));
  WarnIfUnrecorded(done);
  ShowIdentify(done, a.gallery, global.json, {{"modality", kFingerModality}});
  return OkStatus();
}

Status RunVerify(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(CliSearch s, Begin(a, SearchKind::kVerify));
  s.req.consent_verify = a.consent;
  CANDOR_ASSIGN_OR_RETURN(CompletedSearch done,
                          s.desk.desk->Verify(s.desk.gate.operator_principal, s.req, a.subject,
                                              Probe(*s.desk.store, a)));
  WarnIfUnrecorded(done);
  ShowVerify(done, s.req,
             {a.gallery, a.subject, a.prints, a.target_fmr, {{"modality", kFingerModality}}},
             global.json);
  return OkStatus();
}

void CommonFlags(CLI::App& sub, Args* a) {
  sub.add_option("--gallery", a->gallery, "Finger gallery name")->required();
  sub.add_option("prints", a->prints,
                 "[N:]PRINT: the probe's fingers (image, .cndf or ISO record), optionally with "
                 "the ISO finger position N")
      ->required();
  sub.add_option("--dpi", a->dpi, "Resolution of image inputs (default 500)")
      ->check(CLI::Range(250.0, 1200.0));
  sub.add_option("--calibration", a->calibration,
                 "Calibration file (default calibration/finger-mcc.json)");
  AddStoreFlags(sub, &a->store);
  AddSearchGateFlags(sub, &a->gate);
}

const bool kIdentify = RegisterCommand({
    "finger identify",
    "1:N fingerprint search: candidates above the calibrated threshold to two-person review",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      CommonFlags(sub, a.get());
      sub.add_option("-k", a->k, "Candidates returned at most")->check(CLI::Range(1, 1000));
      sub.add_option("--target-fpir", a->target_fpir,
                     "False-positive identification rate the threshold is set for (default 1e-2)")
          ->check(CLI::Range(0.0, 1.0));
      return [a, &global] { return RunIdentify(*a, global); };
    }});

const bool kVerify = RegisterCommand({
    "finger verify", "1:1 fingerprint verification against one subject, as the gallery's policy says",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      CommonFlags(sub, a.get());
      sub.add_option("--subject", a->subject, "Subject id")->required();
      sub.add_option("--target-fmr", a->target_fmr,
                     "False-match rate the threshold is set for (default 1e-2)")
          ->check(CLI::Range(0.0, 1.0));
      sub.add_flag("--consent", a->consent,
                   "1:1 under the subject's recorded consent (no authorization needed; the "
                   "decision goes to you)");
      return [a, &global] { return RunVerify(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
