package io.sluice.broker.api;

import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.log.LogConfig;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** DescribeConfigs and IncrementalAlterConfigs for topics (and, read-only, for this broker). */
public final class ConfigApis {
    private final TopicRegistry topics;
    private final BrokerConfig config;

    public ConfigApis(TopicRegistry topics, BrokerConfig config) {
        this.topics = topics;
        this.config = config;
    }

    public void registerApis(ApiRouter router) {
        router.register(ApiKeys.DESCRIBE_CONFIGS, this::describe);
        router.register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, this::alter);
    }

    private CompletableFuture<AbstractResponse> describe(ApiRequest request) {
        DescribeConfigsRequestData data = request.body(DescribeConfigsRequest.class).data();
        DescribeConfigsResponseData out = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            try {
                if (type == ConfigResource.Type.TOPIC) {
                    TopicInfo topic = topics.get(resource.resourceName()).orElseThrow(() ->
                            new UnknownTopicOrPartitionException("Topic '" + resource.resourceName() + "' does not exist."));
                    Map<String, String> values = LogConfig.of(config, topic.configs()).describe();
                    values.forEach((k, v) -> {
                        if (wanted(resource, k)) {
                            result.configs().add(entry(k, v, topic.configs().containsKey(k) ? ConfigSource.TOPIC_CONFIG
                                    : ConfigSource.DEFAULT_CONFIG, LogConfig.definition().configKeys().get(k), data.includeDocumentation()));
                        }
                    });
                } else if (type == ConfigResource.Type.BROKER) {
                    if (!resource.resourceName().isEmpty() && !resource.resourceName().equals(String.valueOf(config.brokerId()))) {
                        throw new InvalidRequestException("Broker " + resource.resourceName() + " is not this broker ("
                                + config.brokerId() + ")");
                    }
                    config.describe().forEach((k, v) -> {
                        if (wanted(resource, k)) {
                            result.configs().add(entry(k, v, config.isDefault(k) ? ConfigSource.DEFAULT_CONFIG
                                    : ConfigSource.STATIC_BROKER_CONFIG, BrokerConfig.definition().configKeys().get(k),
                                    data.includeDocumentation()).setReadOnly(true));
                        }
                    });
                } else {
                    throw new InvalidRequestException("Unsupported resource type " + type);
                }
                result.setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError err = ApiError.fromThrowable(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message()).setConfigs(new ArrayList<>());
            }
            out.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeConfigsResponse(out));
    }

    private static boolean wanted(DescribeConfigsRequestData.DescribeConfigsResource resource, String key) {
        return resource.configurationKeys() == null || resource.configurationKeys().contains(key);
    }

    private static DescribeConfigsResourceResult entry(String key, String value, ConfigSource source,
                                                       ConfigDef.ConfigKey def, boolean docs) {
        return new DescribeConfigsResourceResult()
                .setName(key)
                .setValue(value)
                .setConfigSource(source.id())
                .setIsSensitive(false)
                .setReadOnly(false)
                .setConfigType(typeOf(def).id())
                .setDocumentation(docs && def != null ? def.documentation : null);
    }

    private static ConfigType typeOf(ConfigDef.ConfigKey def) {
        if (def == null) {
            return ConfigType.UNKNOWN;
        }
        return switch (def.type) {
            case BOOLEAN -> ConfigType.BOOLEAN;
            case STRING -> ConfigType.STRING;
            case INT -> ConfigType.INT;
            case SHORT -> ConfigType.SHORT;
            case LONG -> ConfigType.LONG;
            case DOUBLE -> ConfigType.DOUBLE;
            case LIST -> ConfigType.LIST;
            case CLASS -> ConfigType.CLASS;
            case PASSWORD -> ConfigType.PASSWORD;
        };
    }

    private CompletableFuture<AbstractResponse> alter(ApiRequest request) {
        IncrementalAlterConfigsRequestData data = request.body(IncrementalAlterConfigsRequest.class).data();
        IncrementalAlterConfigsResponseData out = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            try {
                if (ConfigResource.Type.forId(resource.resourceType()) != ConfigResource.Type.TOPIC) {
                    throw new InvalidRequestException("Only topic configs can be altered; broker configs are static "
                            + "(set them in the broker's properties file)");
                }
                TopicInfo topic = topics.get(resource.resourceName()).orElseThrow(() ->
                        new UnknownTopicOrPartitionException("Topic '" + resource.resourceName() + "' does not exist."));
                Map<String, String> updated = new HashMap<>(topic.configs());
                Map<String, String> effective = LogConfig.of(config, topic.configs()).describe();
                for (IncrementalAlterConfigsRequestData.AlterableConfig c : resource.configs()) {
                    apply(updated, effective, c);
                }
                topics.setConfigs(topic.name(), updated, data.validateOnly());
                result.setErrorCode(Errors.NONE.code());
            } catch (RuntimeException e) {
                ApiError err = TopicAdminApis.error(e);
                result.setErrorCode(err.error().code()).setErrorMessage(err.message());
            }
            out.responses().add(result);
        }
        return CompletableFuture.completedFuture(new IncrementalAlterConfigsResponse(out));
    }

    private static void apply(Map<String, String> overrides, Map<String, String> effective,
                              IncrementalAlterConfigsRequestData.AlterableConfig c) {
        AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
        if (op == null) {
            throw new InvalidRequestException("Unknown config operation " + c.configOperation());
        }
        switch (op) {
            case SET -> overrides.put(c.name(), c.value());
            case DELETE -> overrides.remove(c.name());
            case APPEND, SUBTRACT -> {
                ConfigDef.ConfigKey def = LogConfig.definition().configKeys().get(c.name());
                if (def == null || def.type != ConfigDef.Type.LIST) {
                    throw new InvalidRequestException("Config " + c.name() + " is not a list; " + op + " needs a list");
                }
                String current = overrides.getOrDefault(c.name(), effective.getOrDefault(c.name(), ""));
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
