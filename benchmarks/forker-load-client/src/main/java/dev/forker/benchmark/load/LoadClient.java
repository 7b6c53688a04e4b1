package dev.forker.benchmark.load;

import java.util.HashMap;
import java.util.Map;

/**
 * The load that {@code benchmarks/run.py} needs beyond wrk's closed loop. Prints one
 * line, {@code RESULT {json}}, when done.
 * <ul>
 * <li>{@code open-loop --port P --path /alloc --rate 800 --duration 10 --warmup 3
 * --connections 64}: HTTP GETs at a fixed rate, each timed from the moment it was due to
 * be sent, so that a server that stalls is charged for every request that waits behind
 * the stall (no coordinated omission).</li>
 * <li>{@code grpc --port P --channels 8 --duration 10 --warmup 3}: unary calls of the
 * gRPC sample's {@code Which}, back to back on each channel (closed loop).</li>
 * </ul>
 */
public final class LoadClient {

	private LoadClient() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length == 0) {
			usage();
		}
		Map<String, String> options = options(args);
		String result = switch (args[0]) {
			case "open-loop" ->
				new OpenLoop(integer(options, "port"), options.getOrDefault("path", "/"), integer(options, "rate"),
						seconds(options, "duration"), seconds(options, "warmup"), integer(options, "connections"))
					.run()
					.toJson();
			case "grpc" -> new GrpcUnaryLoad(integer(options, "port"), integer(options, "channels"),
					seconds(options, "duration"), seconds(options, "warmup"))
				.run()
				.toJson();
			default -> {
				usage();
				yield "";
			}
		};
		System.out.println("RESULT " + result);
		System.exit(0);
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new HashMap<>();
		for (int i = 1; i + 1 < args.length; i += 2) {
			if (!args[i].startsWith("--")) {
				usage();
			}
			options.put(args[i].substring(2), args[i + 1]);
		}
		return options;
	}

	private static int integer(Map<String, String> options, String name) {
		String value = options.get(name);
		if (value == null) {
			System.err.println("Missing --" + name);
			usage();
		}
		return Integer.parseInt(value);
	}

	private static long seconds(Map<String, String> options, String name) {
		return (long) (Double.parseDouble(options.getOrDefault(name, "0")) * 1_000_000_000L);
	}

	private static void usage() {
		System.err.println("Usage: open-loop --port P --path /alloc --rate R --duration S --warmup S --connections C");
		System.err.println("       grpc --port P --channels C --duration S --warmup S");
		System.exit(2);
	}

}
