package io.sluice.broker;
