// Reading a bank JSON file: time and peak memory against the file's size, to show both grow linearly up to the
// limit (kMaxBankJsonBytes, 64 MiB). Each run reads a generated bank of N four-option items with their content;
// "Topics" runs give every item a topic of its own (a file that repeats its content: the topic list grows with it).
//
//   ./build/bench/irtcat_bench_bank_json --benchmark_format=json
//
// Counters: file_bytes, items, peak_bytes (the most heap allocated at once during one read, counted by the
// replaced operator new below) and peak_per_file_byte; bytes_per_second is the reading rate.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>
#include <sstream>
#include <string>

#include "irtcat/bank_json.hpp"

namespace {

std::atomic<std::size_t> g_current{0};
std::atomic<std::size_t> g_peak{0};

void note_allocation(void* pointer) {
  if (pointer == nullptr) return;
  const std::size_t now = g_current.fetch_add(malloc_usable_size(pointer)) + malloc_usable_size(pointer);
  std::size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

std::string bank_text(int items, bool topic_per_item) {
  std::string text = R"({"format": "irtcat.bank", "version": 1, "bank": {"name": "bench", "title": "Bench",)"
                     R"( "domain": "bench", "version": 1, "provenance": "generated", "topics": [)";
  const int topics = topic_per_item ? items : 12;
  for (int t = 0; t < topics; ++t) text += (t ? ", \"topic " : "\"topic ") + std::to_string(t) + "\"";
  text += "]},\n \"items\": [\n";
  for (int i = 0; i < items; ++i) {
    const std::string n = std::to_string(i);
    text += (i ? ",\n" : "");
    text += R"(  {"id": "item-)" + n + R"(", "topic": "topic )" + std::to_string(topic_per_item ? i : i % 12) +
            R"(", "difficulty": 3, "stem": "Which of the following is true of case )" + n +
            R"( when the assumptions of the model hold?", "options": ["The first answer", "The second answer",)"
            R"( "The third answer", "The fourth answer"], "key": "C", "explanation": "Because the third answer)"
            R"( follows from the definitions.", "parameters": {"model": "3pl", "a": 1.137, "b": -0.4421, "c": 0.2,)"
            R"( "source": "provisional"}})";
  }
  text += "\n]}\n";
  return text;
}

void read_bank(benchmark::State& state, bool topic_per_item) {
  const std::string text = bank_text(static_cast<int>(state.range(0)), topic_per_item);
  if (text.size() > irtcat::kMaxBankJsonBytes) {
    state.SkipWithError("beyond kMaxBankJsonBytes");
    return;
  }
  std::size_t peak = 0;
  for (auto _ : state) {
    std::istringstream in(text);
    g_peak = g_current.load();
    const std::size_t before = g_current.load();
    const irtcat::BankDocument document = irtcat::read_bank_json(in, "bench.json");
    benchmark::DoNotOptimize(document.bank.size());
    peak = std::max(peak, g_peak.load() - before);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["file_bytes"] = static_cast<double>(text.size());
  state.counters["items"] = static_cast<double>(state.range(0));
  state.counters["peak_bytes"] = static_cast<double>(peak);
  state.counters["peak_per_file_byte"] = static_cast<double>(peak) / static_cast<double>(text.size());
}

void BM_ReadBankJson(benchmark::State& state) { read_bank(state, false); }
void BM_ReadBankJsonTopics(benchmark::State& state) { read_bank(state, true); }

// 1,000 to 64,000 items: about 0.5 MiB to 33 MiB of JSON.
BENCHMARK(BM_ReadBankJson)->RangeMultiplier(4)->Range(1000, 64000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadBankJsonTopics)->RangeMultiplier(4)->Range(1000, 64000)->Unit(benchmark::kMillisecond);

}  // namespace

// Heap accounting for peak_bytes: every allocation of the program goes through these.
void* operator new(std::size_t size) {
  void* pointer = std::malloc(size == 0 ? 1 : size);
  if (pointer == nullptr) throw std::bad_alloc();
  note_allocation(pointer);
  return pointer;
}
// GCC pairs this free() with the new-expression it was called for and warns; here operator new itself is malloc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* pointer) noexcept {
  if (pointer != nullptr) g_current.fetch_sub(malloc_usable_size(pointer));
  std::free(pointer);
}
void operator delete(void* pointer, std::size_t) noexcept { operator delete(pointer); }
#pragma GCC diagnostic pop

BENCHMARK_MAIN();
