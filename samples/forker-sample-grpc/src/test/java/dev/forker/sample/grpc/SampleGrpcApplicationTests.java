package dev.forker.sample.grpc;

import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

import dev.forker.sample.grpc.proto.WatchRequest;
import dev.forker.sample.grpc.proto.WhichRequest;
import dev.forker.sample.grpc.proto.WorkerReply;
import dev.forker.sample.grpc.proto.WorkerServiceGrpc;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample has {@code forker.enabled: true}, yet a {@code @SpringBootTest} runs it as
 * one process: no master, no worker; its gRPC service answers.
 */
@SpringBootTest(properties = "spring.grpc.server.port=0")
class SampleGrpcApplicationTests {

	@Autowired
	private GrpcServerLifecycle grpcServer;

	private ManagedChannel channel;

	@BeforeEach
	void connect() {
		this.channel = ManagedChannelBuilder.forAddress("localhost", this.grpcServer.getPort()).usePlaintext().build();
	}

	@AfterEach
	void disconnect() throws InterruptedException {
		this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void answersAsOneProcessUnderTest() {
		WorkerReply reply = WorkerServiceGrpc.newBlockingStub(this.channel)
			.which(WhichRequest.newBuilder().setName("test").build());
		assertThat(reply.getWorker()).isZero();
		assertThat(reply.getPid()).isEqualTo(ProcessHandle.current().pid());
		assertThat(reply.getMessage()).isEqualTo("Hello test");
		assertThat(ProcessHandle.current().children()).isEmpty();
	}

	@Test
	void streamsItsAnswers() {
		var replies = WorkerServiceGrpc.newBlockingStub(this.channel)
			.watch(WatchRequest.newBuilder().setCount(3).setIntervalMillis(1).build());
		assertThat(replies).toIterable().extracting(WorkerReply::getSequence).containsExactly(1, 2, 3);
	}

	@Test
	void servesHealth() {
		assertThat(HealthGrpc.newBlockingStub(this.channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
			.isEqualTo(ServingStatus.SERVING);
	}

}
