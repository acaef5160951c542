package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.DynamicConfigStore;
import io.sluice.broker.config.GroupConfigs;
import io.sluice.broker.log.LogConfig;
import io.sluice.broker.log.MirrorTopicConfig;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * DescribeConfigs, IncrementalAlterConfigs and the legacy AlterConfigs (which replaces a resource's whole set)
 * for TOPIC, BROKER (one broker by id, or the cluster-wide default by the empty name) and GROUP resources.
 */
public final class ConfigApis {
    private final TopicRegistry topics;
    private final BrokerConfig config;
    private final DynamicConfigStore dynamic;
    private final ConfigDescriber describer;

    public ConfigApis(TopicRegistry topics, BrokerConfig config, DynamicConfigStore dynamic) {
        this.topics = topics;
        this.config = config;
        this.dynamic = dynamic;
        this.describer = new ConfigDescriber(config, dynamic);
    }

    public void registerApis(ApiRouter router) {
        router.register(ApiKeys.DESCRIBE_CONFIGS, this::describe);
        router.register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, this::incrementalAlter);
        router.register(ApiKeys.ALTER_CONFIGS, this::legacyAlter);
    }

    private CompletableFuture<AbstractResponse> describe(ApiRequest request) {
        DescribeConfigsRequestData data = request.body(DescribeConfigsRequest.class).data();
        DescribeConfigsResponseData out = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            Predicate<String> wanted = key -> resource.configurationKeys() == null
                    || resource.configurationKeys().contains(key);
            String name = resource.resourceName();
            try {
                result.setConfigs(switch (type(resource.resourceType())) {
                    case TOPIC -> describer.topic(topic(name).configs(), wanted, data.includeSynonyms(),
                            data.includeDocumentation());
                    case BROKER -> describer.broker(checkBroker(name), wanted, data.includeSynonyms(),
                            data.includeDocumentation());
                    case GROUP -> describer.group(name, wanted, data.includeSynonyms(), data.includeDocumentation());
                    default -> throw unsupported(resource.resourceType());
                });
                result.setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError err = TopicAdminApis.error(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message()).setConfigs(new ArrayList<>());
            }
            out.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeConfigsResponse(out));
    }

    private CompletableFuture<AbstractResponse> incrementalAlter(ApiRequest request) {
        IncrementalAlterConfigsRequestData data = request.body(IncrementalAlterConfigsRequest.class).data();
        IncrementalAlterConfigsResponseData out = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            try {
                ConfigResource.Type type = type(resource.resourceType());
                Map<String, String> updated = new HashMap<>(current(type, resource.resourceName()));
                for (IncrementalAlterConfigsRequestData.AlterableConfig c : resource.configs()) {
                    apply(type, updated, c);
                }
                store(type, resource.resourceName(), updated, data.validateOnly());
                result.setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError err = TopicAdminApis.error(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message());
            }
            out.responses().add(result);
        }
        return CompletableFuture.completedFuture(new IncrementalAlterConfigsResponse(out));
    }

    private CompletableFuture<AbstractResponse> legacyAlter(ApiRequest request) {
        AlterConfigsRequestData data = request.body(AlterConfigsRequest.class).data();
        AlterConfigsResponseData out = new AlterConfigsResponseData();
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            AlterConfigsResponseData.AlterConfigsResourceResponse result = new AlterConfigsResponseData
                    .AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            try {
                ConfigResource.Type type = type(resource.resourceType());
                current(type, resource.resourceName()); // the resource must exist
                Map<String, String> replacement = new HashMap<>();
                resource.configs().forEach(c -> replacement.put(c.name(), c.value()));
                store(type, resource.resourceName(), replacement, data.validateOnly());
                result.setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError err = TopicAdminApis.error(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message());
            }
            out.responses().add(result);
        }
        return CompletableFuture.completedFuture(new AlterConfigsResponse(out));
    }

    /** The resource's explicitly set configs (topic overrides, dynamic broker or group configs). */
    private Map<String, String> current(ConfigResource.Type type, String name) {
        return switch (type) {
            case TOPIC -> topic(name).configs();
            case BROKER -> dynamic.brokerConfigs(checkBroker(name));
            case GROUP -> dynamic.groupConfigs(checkGroup(name));
            default -> throw unsupported(type.id());
        };
    }

    private void store(ConfigResource.Type type, String name, Map<String, String> configs, boolean validateOnly) {
        switch (type) {
            case TOPIC -> {
                MirrorTopicConfig.checkChange(name, topic(name).configs(), configs);
                topics.setConfigs(name, configs, validateOnly);
            }
            case BROKER -> {
                BrokerConfig.parseDynamic(configs);
                if (!validateOnly) {
                    dynamic.setBrokerConfigs(name, configs);
                }
            }
            case GROUP -> {
                GroupConfigs.validate(configs);
                if (!validateOnly) {
                    dynamic.setGroupConfigs(name, configs);
                }
            }
            default -> throw unsupported(type.id());
        }
    }

    private TopicInfo topic(String name) {
        return topics.get(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
    }

    /** A broker resource names this broker's id, or is empty for the cluster-wide default. */
    private String checkBroker(String name) {
        if (!name.isEmpty() && !name.equals(String.valueOf(config.brokerId()))) {
            throw new InvalidRequestException("Unexpected broker id, expected " + config.brokerId() + " or empty"
                    + " string, but received " + name);
        }
        return name;
    }

    private static String checkGroup(String name) {
        if (name.isEmpty()) {
            throw new InvalidRequestException("Group name must not be empty");
        }
        return name;
    }

    private static ConfigResource.Type type(byte id) {
        return ConfigResource.Type.forId(id);
    }

    private static InvalidRequestException unsupported(byte typeId) {
        return new InvalidRequestException("Unsupported resource type " + ConfigResource.Type.forId(typeId));
    }

    private static ConfigDef definition(ConfigResource.Type type) {
        return switch (type) {
            case TOPIC -> LogConfig.definition();
            case BROKER -> BrokerConfig.definition();
            default -> GroupConfigs.definition();
        };
    }

    private static void apply(ConfigResource.Type type, Map<String, String> overrides,
                              IncrementalAlterConfigsRequestData.AlterableConfig c) {
        AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
        if (op == null) {
            throw new InvalidRequestException("Unknown config operation " + c.configOperation());
        }
        switch (op) {
            case SET -> overrides.put(c.name(), c.value());
            case DELETE -> overrides.remove(c.name());
            case APPEND, SUBTRACT -> {
                ConfigDef.ConfigKey def = definition(type).configKeys().get(c.name());
                if (def == null || def.type != ConfigDef.Type.LIST) {
                    throw new InvalidRequestException("Config value append is not allowed for config key: " + c.name());
                }
                String current = overrides.get(c.name());
                if (current == null) {
                    current = def.defaultValue == null ? "" : ConfigDef.convertToString(def.defaultValue, def.type);
                }
                List<String> items = new ArrayList<>(current.isEmpty() ? List.of() : Arrays.asList(current.split(",")));
                List<String> values = Arrays.asList(c.value().split(","));
                if (op == AlterConfigOp.OpType.APPEND) {
                    values.stream().filter(v -> !items.contains(v)).forEach(items::add);
                } else {
                    items.removeAll(values);
                }
                overrides.put(c.name(), String.join(",", items));
            }
        }
    }
}
