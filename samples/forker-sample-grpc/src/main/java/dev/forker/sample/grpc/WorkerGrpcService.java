package dev.forker.sample.grpc;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import org.springframework.stereotype.Service;

import dev.forker.boot.Forker;
import dev.forker.sample.grpc.proto.WatchRequest;
import dev.forker.sample.grpc.proto.WhichRequest;
import dev.forker.sample.grpc.proto.WorkerReply;
import dev.forker.sample.grpc.proto.WorkerServiceGrpc;

/**
 * Says which worker served each call.
 */
@Service
class WorkerGrpcService extends WorkerServiceGrpc.WorkerServiceImplBase {

	private static final long PID = ProcessHandle.current().pid();

	private static final int MAX_DELAY_MILLIS = 10_000;

	@Override
	public void which(WhichRequest request, StreamObserver<WorkerReply> responseObserver) {
		int delay = Math.max(0, Math.min(request.getDelayMillis(), MAX_DELAY_MILLIS));
		if (delay > 0) {
			LockSupport.parkNanos(Duration.ofMillis(delay).toNanos());
		}
		responseObserver.onNext(reply("Hello " + request.getName(), 0));
		responseObserver.onCompleted();
	}

	@Override
	public void watch(WatchRequest request, StreamObserver<WorkerReply> responseObserver) {
		ServerCallStreamObserver<WorkerReply> stream = (ServerCallStreamObserver<WorkerReply>) responseObserver;
		long interval = Duration.ofMillis(Math.max(1, Math.min(request.getIntervalMillis(), MAX_DELAY_MILLIS)))
			.toNanos();
		for (int sequence = 1; sequence <= request.getCount(); sequence++) {
			if (stream.isCancelled()) {
				return;
			}
			stream.onNext(reply("tick", sequence));
			LockSupport.parkNanos(interval);
			if (Thread.currentThread().isInterrupted()) {
				stream.onError(Status.CANCELLED.withDescription("worker stopping").asRuntimeException());
				return;
			}
		}
		stream.onCompleted();
	}

	private static WorkerReply reply(String message, int sequence) {
		return WorkerReply.newBuilder()
			.setWorker(Forker.workerId().orElse(0))
			.setPid(PID)
			.setMessage(message)
			.setSequence(sequence)
			.build();
	}

}
