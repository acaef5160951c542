package io.sluice.transactions;
