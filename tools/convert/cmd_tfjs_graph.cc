// Copyright 2026 The Candor Authors.
//
// candor-convert tfjs-graph --model DIR/NAME.json --out models/ID.onnx
//     [--id ID] [--repair-prelu-signs] [--concat NAME=OUT1,OUT2]...
//     [--output TENSOR]... [--preprocessing TEXT] [--layout TEXT]
//     [--describe OUTPUT=TEXT]... [--notes TEXT]
// Converts a TF.js graph model to ONNX (NCHW input) and writes the sidecar
// models/ID.json. Prints a one-line summary on stdout.

#include <cstdio>

#include "converter_registry.h"
#include "model_sidecar.h"
#include "onnx_builder.h"
#include "tfjs_graph_model.h"
#include "tfjs_to_onnx.h"

namespace candor::convert {
namespace {

struct Options {
  std::string model;
  std::string out;
  std::string id;
  bool repair = false;
  bool fixed_batch = false;
  std::vector<std::string> concat;
  std::vector<std::string> outputs;
  std::vector<std::string> describe;
  std::string preprocessing;
  std::string layout = "NCHW RGB";
  std::string notes;
};

Status Run(const Options& o) {
  CANDOR_ASSIGN_OR_RETURN(TfGraphModel model, LoadTfjsGraphModel(o.model));
  TfjsConvertOptions co;
  co.repair_prelu_signs = o.repair;
  co.outputs = o.outputs;
  co.dynamic_batch = !o.fixed_batch;
  for (const auto& c : o.concat) {
    auto eq = c.find('=');
    if (eq == std::string::npos) return InvalidArgumentError("--concat wants NAME=OUT1,OUT2: " + c);
    std::vector<std::string> parts;
    std::string rest = c.substr(eq + 1);
    for (size_t p = 0; p <= rest.size();) {
      size_t q = rest.find(',', p);
      if (q == std::string::npos) q = rest.size();
      if (q > p) parts.push_back(rest.substr(p, q - p));
      p = q + 1;
    }
    if (parts.size() < 2) return InvalidArgumentError("--concat needs at least two outputs: " + c);
    co.concat_outputs.emplace_back(c.substr(0, eq), parts);
  }
  std::filesystem::path out(o.out);
  const std::string id = o.id.empty() ? out.stem().string() : o.id;
  OnnxBuilder builder(id);
  CANDOR_ASSIGN_OR_RETURN(TfjsConvertReport report, ConvertTfjsGraph(model, co, builder));

  Provenance prov;
  prov.id = id;
  prov.source_file = o.model;
  prov.extra_files = model.shard_paths;
  FillPackageFromPath(o.model, prov);
  prov.notes = o.notes;
  if (o.repair) {
    prov.notes += std::string(prov.notes.empty() ? "" : "; ") + "PReLU slope signs negated in " +
                  std::to_string(report.prelu_repaired) + " layers and " + std::to_string(report.relu_unfused) +
                  " ReLUs wrongly fused into the convolution before them removed (--repair-prelu-signs)";
  }
  builder.AddMetadata("candor.id", id);
  builder.AddMetadata("candor.source", prov.source_package + "@" + prov.source_version + "/" + prov.source_file_label);
  TensorSpec input = report.input;
  input.layout = o.layout;
  input.preprocessing = o.preprocessing;
  for (const auto& d : o.describe) {
    auto eq = d.find('=');
    if (eq == std::string::npos) return InvalidArgumentError("--describe wants OUTPUT=TEXT: " + d);
    bool found = false;
    for (auto& spec : report.outputs) {
      if (spec.name == d.substr(0, eq)) {
        spec.description = d.substr(eq + 1);
        found = true;
      }
    }
    if (!found) return InvalidArgumentError("--describe: no output named " + d.substr(0, eq));
  }
  CANDOR_RETURN_IF_ERROR(SaveModelWithSidecar(builder, out, prov, input, report.outputs));
  std::printf("%s: %d ONNX nodes, %d PReLU idioms fused, %d PReLUs repaired, %d pads folded, %d transposes\n",
              out.string().c_str(), builder.node_count(), report.prelu_fused, report.prelu_repaired,
              report.pads_folded, report.transposes);
  return OkStatus();
}

const bool kRegistered = RegisterConverter({
    "tfjs-graph",
    "TF.js graph model (model.json + shards) -> ONNX for OpenCV DNN",
    [](CLI::App& sub) -> ConvertFn {
      auto o = std::make_shared<Options>();
      sub.add_option("--model", o->model, "the model's .json (weight shards beside it)")->required();
      sub.add_option("--out", o->out, "output .onnx path; the sidecar <id>.json goes beside it")->required();
      sub.add_option("--id", o->id, "model id (default: the output file's stem)");
      sub.add_flag("--repair-prelu-signs", o->repair,
                   "negate every PReLU slope (human-models' mobilefacenet export flipped all 33)");
      sub.add_flag("--fixed-batch", o->fixed_batch, "keep the source's batch size instead of a symbolic N");
      sub.add_option("--output", o->outputs, "source tensor to export (repeatable; default: the signature's)");
      sub.add_option("--concat", o->concat, "extra output NAME=OUT1,OUT2,... concatenated along axis 1");
      sub.add_option("--describe", o->describe, "OUTPUT=TEXT: describe an output in the sidecar");
      sub.add_option("--preprocessing", o->preprocessing, "what the caller does to pixels (recorded in the sidecar)");
      sub.add_option("--layout", o->layout, "input layout description (default \"NCHW RGB\")");
      sub.add_option("--notes", o->notes, "free text for the sidecar");
      return [o]() { return Run(*o); };
    }});

}  // namespace
}  // namespace candor::convert
