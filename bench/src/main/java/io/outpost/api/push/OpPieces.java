package io.outpost.api.push;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.command.api.ChangeStamp;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.EventChain;
import io.outpost.command.api.MemoryFootprint;
import io.outpost.command.api.MergePatch;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.RecordView;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The push path's per-op pieces on their own (JMH, {@code -Dbench.which=pieces}; io.outpost.bench.PiecesBenchmark runs
 * it): planning an op, merging its patch, hashing its event into the chain, digesting the op (stored with its result), serialising the event as the event store
 * does, and weighing the record for the aggregate cache. The record is the push benchmark's: about 200 bytes of JSON
 * (a medication dispense), an update patching 3 fields. In this package to reach the planner, which is internal to
 * the server.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OpPieces {

    private static final String TENANT = "bench";

    private OpPlanner planner;
    private Facts facts;
    private PushOperation create;
    private PushOperation update;
    private ObjectNode state;
    private ObjectNode patch;
    private RecordUpdatedEvent event;
    private ObjectMapper eventJson;
    private ObjectMapper eventJsonBlackbird;
    private String previousHash;

    @Setup
    public void setUp() throws Exception {
        ObjectMapper json = new ObjectMapper();
        state = (ObjectNode) json.readTree("{\"patientId\":\"pat-00042\",\"medication\":\"amoxicillin\","
                + "\"doseMg\":500,\"quantity\":21,\"unit\":\"capsule\",\"dispensedAt\":\"2026-12-03T08:15:00Z\","
                + "\"pharmacist\":\"ph-7\",\"notes\":\"take with food, three times a day for seven days\"}");
        patch = (ObjectNode) json.readTree("{\"quantity\":14,\"notes\":\"course shortened\",\"doseMg\":250}");
        planner = new OpPlanner(name -> Optional.of(CollectionRules.defaults(name)));
        facts = new Facts(new SyncPrincipal(TENANT, "user-1", Set.of(Role.USER)));
        RecordKey key = new RecordKey(TENANT, "dispenses", "d-1");
        facts.records.put(key, new RecordView(key, 3, false, state, "user-1"));
        create = new PushOperation(10, OpType.CREATE, "create", "dispenses", "d-2", null, null, state, null, null);
        update = new PushOperation(11, OpType.UPDATE, "update", "dispenses", "d-1", null, 3L, patch,
                Instant.parse("2026-12-03T08:20:00Z"), null);
        ObjectNode newState = MergePatch.apply(state, patch);
        event = new RecordUpdatedEvent(key, 4, patch, newState, List.of("quantity", "notes", "doseMg"), null,
                new ChangeStamp(Instant.parse("2026-12-03T08:20:00Z"), "dev-1"));
        eventJson = JsonMapper.builder().addModule(new JavaTimeModule())
                .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false).build();
        eventJsonBlackbird = JsonMapper.builder().addModule(new JavaTimeModule()).addModule(new BlackbirdModule())
                .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false).build();
        previousHash = EventChain.next(EventChain.GENESIS, event);
    }

    @Benchmark
    public Object planCreate() {
        facts.touched.clear();
        return planner.plan(facts, create);
    }

    @Benchmark
    public Object planUpdate() {
        return planner.plan(facts, update);
    }

    @Benchmark
    public Object mergePatch() {
        return MergePatch.apply(state, patch);
    }

    @Benchmark
    public String hashEvent() {
        return EventChain.next(previousHash, event);
    }

    /** The digest stored beside an op's result (OpDigest: canonical JSON streamed into SHA-256). */
    @Benchmark
    public byte[] digestOp() {
        return OpDigest.of(update);
    }

    @Benchmark
    public byte[] serialiseEvent() throws Exception {
        return eventJson.writeValueAsBytes(event);
    }

    /**
     * The same with Jackson's Blackbird module (accessors through generated lambdas instead of reflection), which
     * issue 16 named as a candidate: no gain measured for the events (docs/benchmarks.md, "Eleventh step"), so the
     * server does not use it; kept here so the next change can see it again.
     */
    @Benchmark
    public byte[] serialiseEventBlackbird() throws Exception {
        return eventJsonBlackbird.writeValueAsBytes(event);
    }

    @Benchmark
    public long weighRecord() {
        return MemoryFootprint.of(state);
    }

    /** A record key as every op and every projected event makes one: its checks are loops since issue 16's step 4. */
    @Benchmark
    public Object recordKey() {
        return new io.outpost.command.api.RecordKey(TENANT, "dispenses", "d-12345");
    }

    /** The same checks through the key's published patterns, as the constructor made them before (for comparison). */
    @Benchmark
    public boolean recordKeyByPattern() {
        return io.outpost.command.api.RecordKey.TENANT.matcher(TENANT).matches()
                && io.outpost.command.api.RecordKey.COLLECTION.matcher("dispenses").matches()
                && "d-12345".chars().noneMatch(Character::isISOControl);
    }

    /** The push's facts from memory: a record that exists, no tempIds, no reads of a database. */
    private static final class Facts implements OpPlanner.Facts {
        final SyncPrincipal caller;
        final Map<RecordKey, RecordView> records = new HashMap<>();
        final Set<RecordKey> touched = new HashSet<>();

        Facts(SyncPrincipal caller) {
            this.caller = caller;
        }

        @Override
        public SyncPrincipal caller() {
            return caller;
        }

        @Override
        public String deviceId() {
            return "dev-1";
        }

        @Override
        public Instant now() {
            return Instant.parse("2026-12-03T08:20:01Z");
        }

        @Override
        public Optional<RecordView> record(RecordKey key) {
            return Optional.ofNullable(records.get(key));
        }

        @Override
        public Optional<PushStore.TempId> tempId(String tempId) {
            return Optional.empty();
        }

        @Override
        public PushStore.TempId assignId(String tempId, String collection) {
            throw new UnsupportedOperationException("no server ids in this benchmark");
        }

        @Override
        public boolean knownNew(RecordKey key) {
            return !records.containsKey(key) && !touched.contains(key);
        }

        @Override
        public void touch(RecordKey key) {
            touched.add(key);
        }
    }
}
