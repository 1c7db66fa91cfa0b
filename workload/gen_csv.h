// The CSV form of generated events (`ledger gen --format csv`): one wide row
// per event, with the columns that data/generated.mapping maps back to the
// same events (docs/IMPORT.md, "Synthetic data").
//
// Pure functions; thread-safe.
#ifndef ENFORCEMENT_WORKLOAD_GEN_CSV_H_
#define ENFORCEMENT_WORKLOAD_GEN_CSV_H_

#include <string>
#include <vector>

#include "enforcement/v1/event.pb.h"

namespace workload {

// The columns, in order.
const std::vector<std::string>& GenCsvHeader();
// One event as the cells of a row under GenCsvHeader(). Covers the bodies
// and fields EventGenerator's kStory shape produces.
std::vector<std::string> GenCsvRow(const enforcement::v1::Event& event);
// One CSV line (RFC 4180 quoting where needed; LF line end).
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace workload

#endif  // ENFORCEMENT_WORKLOAD_GEN_CSV_H_
