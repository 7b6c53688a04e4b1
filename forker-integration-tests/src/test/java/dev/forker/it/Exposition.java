package dev.forker.it;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A scrape parsed by a strict checker of the Prometheus text format 0.0.4 or of
 * OpenMetrics 1.0. It rejects what Prometheus would reject and more: a metric family that
 * is split or repeated, its {@code # HELP}, {@code # TYPE} or {@code # UNIT} twice or
 * after its samples, a sample whose name does not belong to its family's type, a sample
 * without a label its type requires, a series twice, a bad name, label, escape, value or
 * timestamp, and, in OpenMetrics, anything after or missing {@code # EOF}.
 */
final class Exposition {

	private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

	private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

	private static final Pattern FLOAT = Pattern
		.compile("[+-]?(?:NaN|Inf|(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)");

	private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

	private static final Set<String> TEXT_TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

	private static final Set<String> OPENMETRICS_TYPES = Set.of("counter", "gauge", "histogram", "gaugehistogram",
			"summary", "info", "stateset", "unknown");

	private final Map<String, Family> families;

	private Exposition(Map<String, Family> families) {
		this.families = families;
	}

	static Exposition parsePrometheusText(String text) {
		return new Parser(text, false).parse();
	}

	static Exposition parseOpenMetrics(String text) {
		return new Parser(text, true).parse();
	}

	Map<String, Family> families() {
		return this.families;
	}

	Family family(String name) {
		Family family = this.families.get(name);
		if (family == null) {
			throw new AssertionError("No metric family " + name + " in " + this.families.keySet());
		}
		return family;
	}

	List<Sample> samples(String sampleName, Predicate<Map<String, String>> labels) {
		List<Sample> samples = new ArrayList<>();
		for (Family family : this.families.values()) {
			for (Sample sample : family.samples()) {
				if (sample.name().equals(sampleName) && labels.test(sample.labels())) {
					samples.add(sample);
				}
			}
		}
		return samples;
	}

	double value(String sampleName) {
		List<Sample> samples = samples(sampleName, (labels) -> true);
		if (samples.size() != 1) {
			throw new AssertionError("Expected one sample " + sampleName + ", found " + samples);
		}
		return samples.get(0).value();
	}

	/**
	 * One metric family.
	 *
	 * @param name its name
	 * @param type its type
	 * @param help its help, or {@code null}
	 * @param samples its samples
	 */
	record Family(String name, String type, String help, List<Sample> samples) {

	}

	/**
	 * One sample.
	 *
	 * @param name the sample's name, such as {@code http_server_requests_seconds_count}
	 * @param labels its labels
	 * @param value its value
	 */
	record Sample(String name, Map<String, String> labels, double value) {

	}

	private static final class Parser {

		private final String text;

		private final boolean openMetrics;

		private final Map<String, Family> families = new LinkedHashMap<>();

		private final Set<String> series = new HashSet<>();

		private String familyName;

		private String familyType;

		private String familyHelp;

		private boolean familyHasUnit;

		private List<Sample> familySamples;

		private int lineNumber;

		private String line;

		private int position;

		Parser(String text, boolean openMetrics) {
			this.text = text;
			this.openMetrics = openMetrics;
		}

		Exposition parse() {
			check(!this.text.isEmpty(), "empty scrape");
			check(this.text.endsWith("\n"), "the last line does not end with a line feed");
			String[] lines = this.text.substring(0, this.text.length() - 1).split("\n", -1);
			boolean eof = false;
			for (String current : lines) {
				this.lineNumber++;
				this.line = current;
				this.position = 0;
				check(!eof, "content after # EOF");
				if (current.isEmpty()) {
					check(!this.openMetrics, "empty line");
					continue;
				}
				if (this.openMetrics && current.equals("# EOF")) {
					eof = true;
				}
				else if (current.startsWith("#")) {
					metadata();
				}
				else {
					sample();
				}
			}
			check(!this.openMetrics || eof, "no # EOF at the end");
			closeFamily();
			return new Exposition(this.families);
		}

		private void metadata() {
			String[] parts = this.line.split(" ", 4);
			String keyword = (parts.length > 1) ? parts[1] : "";
			boolean known = keyword.equals("HELP") || keyword.equals("TYPE")
					|| (this.openMetrics && keyword.equals("UNIT"));
			if (!known) {
				check(!this.openMetrics, "unknown comment");
				return;
			}
			check(parts.length >= 3 && METRIC_NAME.matcher(parts[2]).matches(), "bad metric name in " + keyword);
			String name = parts[2];
			String value = (parts.length == 4) ? parts[3] : null;
			if (!name.equals(this.familyName)) {
				openFamily(name);
			}
			check(this.familySamples.isEmpty(), keyword + " after the samples of " + name);
			switch (keyword) {
				case "HELP" -> {
					check(this.familyHelp == null, "second HELP for " + name);
					check(value != null || !this.openMetrics, "HELP without text");
					this.familyHelp = unescape((value != null) ? value : "", false);
				}
				case "TYPE" -> {
					check(this.familyType == null, "second TYPE for " + name);
					check(value != null && (this.openMetrics ? OPENMETRICS_TYPES : TEXT_TYPES).contains(value),
							"bad TYPE " + value);
					this.familyType = value;
				}
				default -> {
					check(!this.familyHasUnit, "second UNIT for " + name);
					check(value != null && name.endsWith("_" + value), "UNIT is not the suffix of the name");
					this.familyHasUnit = true;
				}
			}
		}

		private void openFamily(String name) {
			closeFamily();
			check(!this.families.containsKey(name), "metric family " + name + " appears twice");
			this.familyName = name;
			this.familyType = null;
			this.familyHelp = null;
			this.familyHasUnit = false;
			this.familySamples = new ArrayList<>();
		}

		private void closeFamily() {
			if (this.familyName != null) {
				String type = (this.familyType != null) ? this.familyType : (this.openMetrics ? "unknown" : "untyped");
				this.families.put(this.familyName,
						new Family(this.familyName, type, this.familyHelp, List.copyOf(this.familySamples)));
				this.familyName = null;
			}
		}

		private void sample() {
			String name = token(METRIC_NAME, "metric name");
			Map<String, String> labels = new TreeMap<>();
			if (peek('{')) {
				labels = labels();
			}
			expect(' ');
			double value = number(token(FLOAT, "value"));
			if (peek(' ') && !this.line.startsWith(" # ", this.position)) {
				this.position++;
				String timestamp = this.openMetrics ? token(FLOAT, "timestamp") : token(INTEGER, "timestamp");
				check(!timestamp.isEmpty(), "empty timestamp");
			}
			if (this.openMetrics && this.line.startsWith(" # ", this.position)) {
				this.position += 3;
				check(peek('{'), "exemplar without labels");
				labels();
				expect(' ');
				number(token(FLOAT, "exemplar value"));
				if (peek(' ')) {
					this.position++;
					token(FLOAT, "exemplar timestamp");
				}
			}
			check(this.position == this.line.length(), "unexpected '" + this.line.substring(this.position) + "'");
			String family = familyOf(name, labels);
			if (!family.equals(this.familyName)) {
				// Outside the current family: a family of its own, without metadata,
				// which
				// must not have appeared before
				openFamily(family);
			}
			check(this.series.add(name + labels), "series " + name + labels + " appears twice");
			if (name.endsWith("_total") || name.endsWith("_count") || name.endsWith("_bucket")) {
				check(Double.isNaN(value) || value >= 0, "negative " + name);
			}
			this.familySamples.add(new Sample(name, Map.copyOf(labels), value));
		}

		/**
		 * Return the family a sample belongs to: the current family when its type allows
		 * that sample name, otherwise a family of its own.
		 */
		private String familyOf(String sample, Map<String, String> labels) {
			String family = this.familyName;
			if (family == null) {
				return sample;
			}
			String type = (this.familyType != null) ? this.familyType : "";
			String suffix = sample.startsWith(family) ? sample.substring(family.length()) : null;
			if (suffix == null) {
				return sample;
			}
			boolean belongs = switch (type) {
				case "counter" ->
					this.openMetrics ? suffix.equals("_total") || suffix.equals("_created") : suffix.isEmpty();
				case "summary" -> {
					if (suffix.isEmpty()) {
						check(labels.containsKey("quantile"), "summary sample " + sample + " without quantile");
					}
					yield suffix.isEmpty() || suffix.equals("_sum") || suffix.equals("_count")
							|| (this.openMetrics && suffix.equals("_created"));
				}
				case "histogram", "gaugehistogram" -> {
					if (suffix.equals("_bucket")) {
						check(labels.containsKey("le"), "bucket " + sample + " without le");
					}
					yield suffix.equals("_bucket") || (type.equals("histogram")
							? suffix.equals("_sum") || suffix.equals("_count")
									|| (this.openMetrics && suffix.equals("_created"))
							: suffix.equals("_gsum") || suffix.equals("_gcount"));
				}
				case "info" -> suffix.equals("_info");
				default -> suffix.isEmpty();
			};
			return belongs ? family : sample;
		}

		private Map<String, String> labels() {
			expect('{');
			Map<String, String> labels = new TreeMap<>();
			while (!peek('}')) {
				String name = token(LABEL_NAME, "label name");
				expect('=');
				expect('"');
				StringBuilder value = new StringBuilder();
				while (true) {
					check(this.position < this.line.length(), "unterminated label value");
					char c = this.line.charAt(this.position++);
					if (c == '"') {
						break;
					}
					if (c == '\\') {
						check(this.position < this.line.length(), "unterminated escape");
						char escaped = this.line.charAt(this.position++);
						check(escaped == '\\' || escaped == '"' || escaped == 'n', "bad escape \\" + escaped);
						value.append((escaped == 'n') ? '\n' : escaped);
					}
					else {
						value.append(c);
					}
				}
				check(labels.put(name, value.toString()) == null, "label " + name + " twice");
				if (peek(',')) {
					this.position++;
					check(!this.openMetrics || !peek('}'), "trailing comma");
				}
				else {
					check(peek('}'), "expected , or }");
				}
			}
			this.position++;
			return labels;
		}

		private String token(Pattern pattern, String what) {
			int end = this.position;
			while (end < this.line.length() && "{} =,\"".indexOf(this.line.charAt(end)) < 0) {
				end++;
			}
			String token = this.line.substring(this.position, end);
			check(pattern.matcher(token).matches(), "bad " + what + " '" + token + "'");
			this.position = end;
			return token;
		}

		private static double number(String token) {
			String plain = token.startsWith("+") ? token.substring(1) : token;
			return switch (plain) {
				case "NaN" -> Double.NaN;
				case "Inf" -> Double.POSITIVE_INFINITY;
				case "-Inf" -> Double.NEGATIVE_INFINITY;
				default -> Double.parseDouble(plain);
			};
		}

		private boolean peek(char c) {
			return this.position < this.line.length() && this.line.charAt(this.position) == c;
		}

		private void expect(char c) {
			check(peek(c), "expected '" + c + "'");
			this.position++;
		}

		private String unescape(String text, boolean quotes) {
			StringBuilder result = new StringBuilder();
			for (int i = 0; i < text.length(); i++) {
				char c = text.charAt(i);
				if (c == '\\') {
					check(i + 1 < text.length(), "unterminated escape in HELP");
					char escaped = text.charAt(++i);
					check(escaped == '\\' || escaped == 'n' || ((quotes || this.openMetrics) && escaped == '"'),
							"bad escape in HELP \\" + escaped);
					result.append((escaped == 'n') ? '\n' : escaped);
				}
				else {
					result.append(c);
				}
			}
			return result.toString();
		}

		private void check(boolean condition, String problem) {
			if (!condition) {
				throw new AssertionError("Invalid " + (this.openMetrics ? "OpenMetrics" : "Prometheus text")
						+ " exposition, line " + this.lineNumber + ": " + problem + "\n" + this.line);
			}
		}

	}

}
