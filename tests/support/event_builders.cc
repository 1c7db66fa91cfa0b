#include "tests/support/event_builders.h"

namespace testing_support {
namespace {

using enforcement::v1::Event;

Event Base(const std::string& id, const std::string& stream) {
  Event e;
  e.set_event_id(id);
  e.set_stream(stream);
  e.mutable_occurred_at()->set_seconds(kMarch2024);
  e.set_occurred_precision(enforcement::v1::PRECISION_MONTH);
  e.mutable_source()->set_publisher("Xinhua");
  e.set_recorded_by("test");
  return e;
}

}  // namespace

Event RaidEvent(const std::string& id, const std::string& operation, int64_t detained,
                int64_t ringleaders) {
  Event e = Base(id, "operation/" + operation);
  auto* r = e.mutable_raid();
  r->set_operation_id(operation);
  r->mutable_location()->set_place("Muse");
  r->mutable_location()->set_country("MM");
  r->set_suspects_detained(detained);
  r->set_ringleaders_detained(ringleaders);
  (*r->mutable_detained_by_nationality())["CN"] = detained / 2;
  return e;
}

Event HandoverEvent(const std::string& id, const std::string& stream, const std::string& from,
                    const std::string& to, int64_t count) {
  Event e = Base(id, stream);
  auto* h = e.mutable_handover();
  h->set_from_country(from);
  h->set_to_country(to);
  h->set_suspects_count(count);
  return e;
}

Event ArrestEvent(const std::string& id, const std::string& suspect_id) {
  Event e = Base(id, "suspect/" + suspect_id);
  auto* a = e.mutable_arrest();
  a->mutable_suspect()->set_suspect_id(suspect_id);
  a->mutable_suspect()->set_nationality("CN");
  return e;
}

Event CorrectionEvent(const std::string& id, const std::string& stream,
                      const std::string& target, const Event& replacement_body_from) {
  Event e = Base(id, stream);
  auto* c = e.mutable_correction();
  c->set_target_event_id(target);
  c->set_reason("test correction");
  Event* r = c->mutable_replacement();
  *r = replacement_body_from;
  r->clear_event_id();
  r->clear_stream();
  r->clear_source();
  r->clear_recorded_by();
  r->clear_occurred_at();
  r->set_occurred_precision(enforcement::v1::PRECISION_UNSPECIFIED);
  return e;
}

Event RetractionEvent(const std::string& id, const std::string& stream,
                      const std::string& target) {
  Event e = Base(id, stream);
  e.mutable_retraction()->set_target_event_id(target);
  e.mutable_retraction()->set_reason("test retraction");
  return e;
}

}  // namespace testing_support
