package dev.forker.benchmark.load;

import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * What a load run measured: requests completed and failed in the measured window, the
 * rate achieved, and latency percentiles.
 *
 * @param intendedRate the rate the run was asked for, 0 for a closed loop
 * @param completed the requests that succeeded in the measured window
 * @param errors the requests that failed in the measured window
 * @param seconds the length of the measured window
 * @param latency the latencies in nanoseconds
 */
record LatencyResult(double intendedRate, long completed, long errors, double seconds, Histogram latency) {

	String toJson() {
		return String.format(Locale.ROOT,
				"{\"intended_rps\":%.1f,\"rps\":%.1f,\"requests\":%d,\"errors\":%d,\"p50_ms\":%.3f,"
						+ "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}",
				this.intendedRate, this.completed / this.seconds, this.completed, this.errors, millis(50.0),
				millis(90.0), millis(99.0), millis(99.9), this.latency.getMaxValue() / 1e6);
	}

	private double millis(double percentile) {
		return this.latency.getValueAtPercentile(percentile) / 1e6;
	}

}
